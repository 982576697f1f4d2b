// Which CSR a certificate was signed for. The simulator's certificates are not real X.509, so a
// certificate made for a CSR (by the Private CA fake, or by `certificateFor` in tests) names the
// SHA-256 of that CSR in its body. InitializeCluster uses it to refuse a certificate signed for
// another CSR than the cluster's current one: the User Guide's initialization steps have the
// cluster's own CSR signed, and a first HSM replaced before initialization brings a new CSR
// (aws-samples/aws-cloudhsm-cloudformation-template#15). Certificates that name no CSR (size and
// shape fixtures) are accepted as before: the simulator verifies no signature.

import { createHash } from 'crypto';

const MARK = 'csr-sha256:';

export function csrDigest(csr: string): string {
  return createHash('sha256').update(csr.trim()).digest('hex');
}

/** A PEM certificate "signed" for `csr`; `subject` tells two certificates for one CSR apart. */
export function certificateFor(csr: string, subject = 'signed'): string {
  const text = `fake-x509:${createHash('sha256').update(subject).digest('hex')}:${MARK}${csrDigest(csr)}`;
  const body = Buffer.from(text).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
}

/** The digest of the CSR the first certificate of a PEM text was made for, when it names one. */
export function csrDigestNamedBy(pemText: string): string | undefined {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pemText);
  if (!m) return undefined;
  const text = Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('latin1');
  return new RegExp(`${MARK}([0-9a-f]{64})`).exec(text)?.[1];
}
