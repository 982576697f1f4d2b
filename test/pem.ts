/**
 * PEM certificate chains of a chosen length, for the size limits of InitializeCluster and of
 * custom-resource responses. The bodies are base64 text of the right shape, not real certificates.
 */

const BEGIN = '-----BEGIN CERTIFICATE-----\n';
const END = '-----END CERTIFICATE-----\n';
/** Base64 characters, 64 to a line as PEM writes them. */
const LINE = 'MIIFazCCA1OgAwIBAgIUQ2hhaW5DZXJ0aWZpY2F0ZUZvclNpemVUZXN0czAxMjM0';

/** One certificate whose PEM text is exactly `length` characters (at least 120). */
export function pemCertificate(length: number): string {
  const bodyLength = length - BEGIN.length - END.length;
  if (bodyLength < 2) throw new Error(`a PEM certificate needs more than ${BEGIN.length + END.length} characters`);
  let body = '';
  while (body.length < bodyLength) {
    const left = bodyLength - body.length;
    body += left > LINE.length ? `${LINE}\n` : `${LINE.slice(0, left - 1)}\n`;
  }
  return BEGIN + body + END;
}

/** A chain of certificates of about 1800 characters each whose PEM text is exactly `length` characters. */
export function pemChain(length: number): string {
  const parts: string[] = [];
  let left = length;
  while (left > 0) {
    const size = left >= 1800 + 200 ? 1800 : left;
    parts.push(pemCertificate(size));
    left -= size;
  }
  return parts.join('');
}
