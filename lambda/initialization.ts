import {
  GetCertificateAuthorityCertificateCommand, GetCertificateCommand, IssueCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import { Cluster, InitializeClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { acmPca, cloudHsm, messageOf } from './aws';
import { describeCluster, TRANSITIONAL_STATES } from './cluster';
import { log } from './log';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { activationNextStep, checkCertificatePem, checkClusterId } from '../src/private/rules';

/** The template the Private CA issues the cluster certificate with (a CA certificate that signs no further CAs). */
export const SUBORDINATE_CA_TEMPLATE = 'arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1';
const CA_ARN_PATTERN = /^arn:[\w+=/,.@-]+:acm-pca:[\w+=/,.@-]*:[0-9]*:certificate-authority\/[\w+=,.@-]+$/;

/** The `Custom::CloudHsmClusterInitialization` properties: one of the two forms. */
export interface InitializationProperties {
  readonly clusterId: string;
  readonly certificateAuthorityArn?: string;
  readonly validityDays: number;
  readonly signedCert?: string;
  readonly trustAnchor?: string;
}

export function parseInitializationProperties(raw: Record<string, any>): InitializationProperties {
  const props: InitializationProperties = {
    clusterId: String(raw.ClusterId ?? ''),
    certificateAuthorityArn: raw.CertificateAuthorityArn || undefined,
    validityDays: Number(raw.ValidityDays ?? 1825),
    signedCert: raw.SignedCert || undefined,
    trustAnchor: raw.TrustAnchor || undefined,
  };
  const errors: string[] = [];
  const idError = checkClusterId('cluster', props.clusterId);
  if (idError) errors.push(idError);
  if (props.certificateAuthorityArn !== undefined) {
    if (!CA_ARN_PATTERN.test(props.certificateAuthorityArn)) {
      errors.push(`certificateAuthority: ${JSON.stringify(props.certificateAuthorityArn)} is not an AWS Private CA ARN`);
    }
    if (!Number.isInteger(props.validityDays) || props.validityDays < 1) {
      errors.push(`validity: ${raw.ValidityDays} days is not valid; it must be a whole number of days, at least 1`);
    }
  } else if (props.signedCert === undefined || props.trustAnchor === undefined) {
    errors.push('initialization: give either a Private CA (fromPrivateCa) or both signedCertificate and trustAnchor (fromCertificates)');
  } else {
    errors.push(...checkCertificatePem('signedCertificate', props.signedCert), ...checkCertificatePem('trustAnchor', props.trustAnchor));
  }
  if (errors.length > 0) throw new Error(`ClusterInitialization: ${errors.join('; ')}`);
  return props;
}

function label(event: ResourceEvent, clusterId: string): string {
  return `ClusterInitialization ${event.LogicalResourceId} (${clusterId})`;
}

/** The physical id: initialization belongs to its cluster. */
const physicalId = (clusterId: string) => `cdk-cloudhsm:initialization:${clusterId}`;

/** Attributes: the cluster certificate and what is left; never the PreCoPassword. */
function done(cluster: Cluster): IsCompleteResponse {
  return {
    IsComplete: true,
    Data: {
      ClusterCertificate: cluster.Certificates?.ClusterCertificate ?? '',
      State: cluster.State ?? '',
      NextStep: cluster.State === 'ACTIVE'
        ? `Cluster ${cluster.ClusterId} is initialized and active; add HSMs with activated: true.`
        : activationNextStep(cluster.ClusterId ?? ''),
    },
  };
}

/** The last certificate of a PEM chain (the root, for a chain in the order Private CA returns it). */
export function lastPem(chain: string): string | undefined {
  const all = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  return all?.[all.length - 1];
}

/** Certificates from AWS Private CA: issues (idempotently per request) and reads the cluster certificate. */
async function signWithPrivateCa(event: ResourceEvent, props: InitializationProperties, csr: string)
  : Promise<{ signedCert: string; trustAnchor: string } | undefined> {
  const caArn = props.certificateAuthorityArn!;
  const pca = acmPca();
  let certificateArn: string | undefined;
  try {
    const issued = await pca.send(new IssueCertificateCommand({
      CertificateAuthorityArn: caArn,
      Csr: Buffer.from(csr, 'utf8'),
      SigningAlgorithm: 'SHA256WITHRSA',
      TemplateArn: SUBORDINATE_CA_TEMPLATE,
      Validity: { Type: 'DAYS', Value: props.validityDays },
      // Every poll of one request issues at most one certificate.
      IdempotencyToken: event.RequestId.replace(/[^\w]/g, '').slice(0, 36),
    }));
    certificateArn = issued.CertificateArn;
  } catch (err) {
    throw new Error(`${label(event, props.clusterId)}: IssueCertificate with ${caArn} failed: ${messageOf(err)}`);
  }
  if (!certificateArn) throw new Error(`${label(event, props.clusterId)}: IssueCertificate with ${caArn} returned no certificate ARN`);
  let signedCert: string | undefined;
  try {
    const cert = await pca.send(new GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn: certificateArn }));
    signedCert = cert.Certificate;
  } catch (err) {
    if ((err as { name?: string }).name === 'RequestInProgressException') {
      log(event, 'waiting for the Private CA to issue the cluster certificate', { certificateArn });
      return undefined;
    }
    throw new Error(`${label(event, props.clusterId)}: GetCertificate ${certificateArn} failed: ${messageOf(err)}`);
  }
  if (!signedCert) return undefined;
  let trustAnchor: string | undefined;
  try {
    const ca = await pca.send(new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: caArn }));
    // A root CA has no chain and is its own anchor; a subordinate CA's chain ends with the root.
    trustAnchor = (ca.CertificateChain ? lastPem(ca.CertificateChain) : undefined) ?? ca.Certificate;
  } catch (err) {
    throw new Error(`${label(event, props.clusterId)}: GetCertificateAuthorityCertificate of ${caArn} failed: ${messageOf(err)}`);
  }
  if (!trustAnchor) throw new Error(`${label(event, props.clusterId)}: the CA ${caArn} has no certificate (is it ACTIVE?)`);
  return { signedCert, trustAnchor };
}

async function step(event: ResourceEvent, props: InitializationProperties): Promise<IsCompleteResponse> {
  const cluster = await describeCluster(props.clusterId);
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') {
    throw new Error(`${label(event, props.clusterId)}: the cluster does not exist (or is being deleted)`);
  }
  const state = cluster.State ?? '';
  if (state === 'INITIALIZED' || state === 'ACTIVE') return done(cluster);
  if (state === 'INITIALIZE_IN_PROGRESS' || TRANSITIONAL_STATES.has(state)) return NOT_COMPLETE;
  if (state !== 'UNINITIALIZED') {
    throw new Error(`${label(event, props.clusterId)}: the cluster is ${state}: ${cluster.StateMessage ?? 'no state message'}`);
  }
  const csr = cluster.Certificates?.ClusterCsr;
  if (!csr) {
    log(event, 'waiting for the cluster CSR (it appears with the first HSM)', { clusterId: props.clusterId });
    return NOT_COMPLETE;
  }
  const certs = props.certificateAuthorityArn
    ? await signWithPrivateCa(event, props, csr)
    : { signedCert: props.signedCert!, trustAnchor: props.trustAnchor! };
  if (!certs) return NOT_COMPLETE;
  try {
    await cloudHsm().send(new InitializeClusterCommand({
      ClusterId: props.clusterId, SignedCert: certs.signedCert, TrustAnchor: certs.trustAnchor,
    }));
    log(event, 'InitializeCluster', { clusterId: props.clusterId });
  } catch (err) {
    throw new Error(`${label(event, props.clusterId)}: InitializeCluster failed: ${messageOf(err)}`);
  }
  return NOT_COMPLETE;
}

export const initializationHandler: ResourceHandler = {
  async onEvent(event): Promise<OnEventResponse> {
    if (event.RequestType === 'Delete') {
      // Initialization cannot be undone: deleting the resource leaves the cluster as it is.
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const props = parseInitializationProperties(event.ResourceProperties);
    return { PhysicalResourceId: physicalId(props.clusterId) };
  },

  async isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    return step(event, parseInitializationProperties(event.ResourceProperties));
  },
};
