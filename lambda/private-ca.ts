import { createHash } from 'crypto';
import {
  GetCertificateAuthorityCertificateCommand, GetCertificateCommand, IssueCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import { acmPca, messageOf } from './aws';

/** The template the Private CA issues the cluster certificate with (a CA certificate that signs no further CAs). */
export const SUBORDINATE_CA_TEMPLATE = 'arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1';

/** What IssueCertificate needs besides the CSR. */
export interface IssueRequest {
  readonly caArn: string;
  readonly validityDays: number;
  /** The CloudFormation request id: a retried onEvent gets the certificate the first attempt issued. */
  readonly requestId: string;
  /** Who is asking, in front of every error ("ClusterInitialization X (cluster-...)"). */
  readonly label: string;
  /**
   * Set when the request issues a second certificate, for another CSR: it goes into the idempotency
   * token, so that the CA does not hand back the first certificate.
   */
  readonly tokenSalt?: string;
}

function idempotencyToken(req: IssueRequest): string {
  const base = req.tokenSalt === undefined ? req.requestId : createHash('sha256').update(`${req.requestId}\n${req.tokenSalt}`).digest('hex');
  return base.replace(/[^\w]/g, '').slice(0, 36);
}

/**
 * Issues the cluster certificate for `csr` and returns its ARN. The idempotency token is the request
 * id, so onEvent run twice for one request (Lambda retry, lost response) gets the same certificate
 * back while the token is valid (5 minutes), instead of a second one.
 */
export async function issueCertificate(req: IssueRequest, csr: string): Promise<string> {
  let certificateArn: string | undefined;
  try {
    const issued = await acmPca().send(new IssueCertificateCommand({
      CertificateAuthorityArn: req.caArn,
      Csr: Buffer.from(csr, 'utf8'),
      SigningAlgorithm: 'SHA256WITHRSA',
      TemplateArn: SUBORDINATE_CA_TEMPLATE,
      Validity: { Type: 'DAYS', Value: req.validityDays },
      IdempotencyToken: idempotencyToken(req),
    }));
    certificateArn = issued.CertificateArn;
  } catch (err) {
    throw new Error(`${req.label}: IssueCertificate with ${req.caArn} failed: ${messageOf(err)}`);
  }
  if (!certificateArn) throw new Error(`${req.label}: IssueCertificate with ${req.caArn} returned no certificate ARN`);
  return certificateArn;
}

/** The issued certificate (PEM), or undefined while the CA is still issuing it. */
export async function readCertificate(label: string, caArn: string, certificateArn: string): Promise<string | undefined> {
  try {
    const cert = await acmPca().send(new GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn: certificateArn }));
    return cert.Certificate || undefined;
  } catch (err) {
    if ((err as { name?: string }).name === 'RequestInProgressException') return undefined;
    throw new Error(`${label}: GetCertificate ${certificateArn} failed: ${messageOf(err)}`);
  }
}

/** The last certificate of a PEM chain (the root, for a chain in the order Private CA returns it). */
export function lastPem(chain: string): string | undefined {
  const all = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  return all?.[all.length - 1];
}

/** The cluster's trust anchor: the root of the CA's chain. */
export async function trustAnchorOf(label: string, caArn: string): Promise<string> {
  let trustAnchor: string | undefined;
  try {
    const ca = await acmPca().send(new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: caArn }));
    // A root CA has no chain and is its own anchor; a subordinate CA's chain ends with the root.
    trustAnchor = (ca.CertificateChain ? lastPem(ca.CertificateChain) : undefined) ?? ca.Certificate;
  } catch (err) {
    throw new Error(`${label}: GetCertificateAuthorityCertificate of ${caArn} failed: ${messageOf(err)}`);
  }
  if (!trustAnchor) throw new Error(`${label}: the CA ${caArn} has no certificate (is it ACTIVE?)`);
  return trustAnchor;
}
