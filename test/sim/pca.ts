// A minimal AWS Private CA fake (awsJson1_1, X-Amz-Target: ACMPrivateCA.<Operation>) with the three
// operations cluster initialization uses: IssueCertificate, GetCertificate (RequestInProgressException
// for the first `pendingPolls` reads of a new certificate, and, given a clock, until `issueDelayMs`
// have passed) and GetCertificateAuthorityCertificate. Given a clock, idempotency tokens expire after
// five minutes as the service's do, so a handler that re-issues on a slow CA gets a second certificate.
// Certificates are PEM-shaped, not real X.509: the CloudHSM simulator checks the PEM shape only.

import { createHash } from 'node:crypto';
import { certificateFor } from './csr';
import { serviceModel } from './models/model';
import { validateInput } from './models/validate';

export const PCA_TARGET_PREFIX = 'ACMPrivateCA.';

/** The AWS Private CA operations the fake serves. */
export const PCA_OPERATIONS = ['GetCertificate', 'GetCertificateAuthorityCertificate', 'IssueCertificate'] as const;

export class PcaError extends Error {
  constructor(public readonly type: string, message: string) {
    super(message);
    this.name = type;
  }
}

interface Ca {
  readonly certificate: string;
  readonly chain?: string;
  status: string;
}

interface IssuedCertificate {
  readonly certificate: string;
  readonly chain: string;
  readonly csr: string;
  readonly templateArn?: string;
  readonly validityDays: number;
  readonly issuedAtMs: number;
  reads: number;
}

/** IssueCertificate idempotency tokens time out after five minutes (API reference). */
export const IDEMPOTENCY_WINDOW_MS = 5 * 60_000;

export interface PrivateCaFakeOptions {
  /** Virtual time (the simulator's clock): enables `issueDelayMs` and token expiry. Without it tokens never expire. */
  readonly clock?: { now(): number };
}

const SIGNING_ALGORITHMS = ['SHA256WITHECDSA', 'SHA384WITHECDSA', 'SHA512WITHECDSA', 'SHA256WITHRSA', 'SHA384WITHRSA', 'SHA512WITHRSA', 'SM3WITHSM2'];
const CA_ARN = /^arn:[\w+=/,.@-]+:acm-pca:[\w+=/,.@-]*:[0-9]*:certificate-authority\/[\w+=,.@-]+$/;

/** A PEM-shaped certificate whose body is derived from `seed`. */
export function fakePem(seed: string): string {
  const body = Buffer.from(`fake-x509:${createHash('sha256').update(seed).digest('hex')}`).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
}

export class PrivateCaFake {
  /** How many GetCertificate calls of a new certificate answer RequestInProgressException. */
  public pendingPolls = 1;
  /** With a clock: a new certificate answers RequestInProgressException until this much virtual time has passed. */
  public issueDelayMs = 0;
  /** Every call, in order. */
  public readonly calls: Array<{ readonly operation: string; readonly input: any }> = [];
  private readonly cas = new Map<string, Ca>();
  private readonly issued = new Map<string, IssuedCertificate>();
  private readonly tokens = new Map<string, { readonly arn: string; readonly atMs: number }>();
  private serial = 0;

  constructor(private readonly options: PrivateCaFakeOptions = {}) {}

  /** Back to no CAs, certificates, tokens or calls, and the default timings. */
  public reset(): void {
    this.calls.length = 0;
    this.cas.clear();
    this.issued.clear();
    this.tokens.clear();
    this.serial = 0;
    this.pendingPolls = 1;
    this.issueDelayMs = 0;
  }

  /** How many calls of `operation` were made. */
  public callCount(operation: string): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  private now(): number {
    return this.options.clock?.now() ?? 0;
  }

  /** Adds an ACTIVE root CA (its own certificate, no chain); returns its certificate. */
  public addCertificateAuthority(arn: string, options: { chain?: string; status?: string } = {}): string {
    const certificate = fakePem(`ca:${arn}`);
    this.cas.set(arn, { certificate, chain: options.chain, status: options.status ?? 'ACTIVE' });
    return certificate;
  }

  /** The certificates issued so far, by ARN. */
  public issuedCertificates(): Array<{ arn: string } & IssuedCertificate> {
    return [...this.issued.entries()].map(([arn, c]) => ({ arn, ...c }));
  }

  public handle(operation: string, input: any): unknown {
    this.calls.push({ operation, input });
    if ((PCA_OPERATIONS as readonly string[]).includes(operation)) {
      const violation = validateInput(serviceModel('acm-pca'), operation, input ?? {});
      if (violation) throw new PcaError(violation.code, violation.message);
    }
    switch (operation) {
      case 'IssueCertificate': return this.issue(input);
      case 'GetCertificate': return this.get(input);
      case 'GetCertificateAuthorityCertificate': {
        const ca = this.ca(input.CertificateAuthorityArn);
        return ca.chain ? { Certificate: ca.certificate, CertificateChain: ca.chain } : { Certificate: ca.certificate };
      }
      default: throw new PcaError('UnknownOperationException', `The Private CA fake does not implement ${operation}`);
    }
  }

  private ca(arn: unknown): Ca {
    if (typeof arn !== 'string' || !CA_ARN.test(arn)) throw new PcaError('InvalidArnException', `Invalid CertificateAuthorityArn ${JSON.stringify(arn)}`);
    const ca = this.cas.get(arn);
    if (!ca) throw new PcaError('ResourceNotFoundException', `Could not find certificate authority ${arn}`);
    return ca;
  }

  private issue(input: any): unknown {
    const caArn = input.CertificateAuthorityArn;
    const ca = this.ca(caArn);
    if (ca.status !== 'ACTIVE') throw new PcaError('InvalidStateException', `The certificate authority ${caArn} is ${ca.status}, not ACTIVE`);
    if (!SIGNING_ALGORITHMS.includes(input.SigningAlgorithm)) {
      throw new PcaError('ValidationException', `SigningAlgorithm ${JSON.stringify(input.SigningAlgorithm)} is not one of ${SIGNING_ALGORITHMS.join(', ')}`);
    }
    const validity = input.Validity;
    if (!validity || validity.Type !== 'DAYS' || !Number.isInteger(validity.Value) || validity.Value < 1) {
      throw new PcaError('ValidationException', 'Validity must be { Type: DAYS, Value: a positive whole number } in this fake');
    }
    const csr = typeof input.Csr === 'string' ? Buffer.from(input.Csr, 'base64').toString('utf8') : '';
    if (!/-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----/.test(csr)) {
      throw new PcaError('MalformedCSRException', 'The CSR is not a PEM certificate signing request');
    }
    const token = input.IdempotencyToken === undefined ? undefined : `${caArn}|${input.IdempotencyToken}`;
    const earlier = token ? this.tokens.get(token) : undefined;
    const expired = earlier !== undefined && this.options.clock !== undefined && this.now() - earlier.atMs >= IDEMPOTENCY_WINDOW_MS;
    if (earlier && !expired) return { CertificateArn: earlier.arn };
    const arn = `${caArn}/certificate/${(++this.serial).toString(16).padStart(32, '0')}`;
    this.issued.set(arn, {
      certificate: certificateFor(csr, `cert:${arn}`),
      chain: ca.chain ? `${ca.certificate}\n${ca.chain}` : ca.certificate,
      csr,
      templateArn: input.TemplateArn,
      validityDays: validity.Value,
      issuedAtMs: this.now(),
      reads: 0,
    });
    if (token) this.tokens.set(token, { arn, atMs: this.now() });
    return { CertificateArn: arn };
  }

  private get(input: any): unknown {
    this.ca(input.CertificateAuthorityArn);
    const cert = this.issued.get(input.CertificateArn);
    if (!cert || !String(input.CertificateArn).startsWith(`${input.CertificateAuthorityArn}/`)) {
      throw new PcaError('ResourceNotFoundException', `Could not find certificate ${input.CertificateArn}`);
    }
    cert.reads++;
    const early = this.options.clock !== undefined && this.now() < cert.issuedAtMs + this.issueDelayMs;
    if (cert.reads <= this.pendingPolls || early) throw new PcaError('RequestInProgressException', 'The request is still being processed');
    return { Certificate: cert.certificate, CertificateChain: cert.chain };
  }
}
