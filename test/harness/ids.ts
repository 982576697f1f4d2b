// Deterministic ids and randomness. Everything derives from the seed by hashing, so a run is
// reproducible, and a resource's fake id depends on its name and generation only (not on how
// many calls came before), so injected faults do not shift the ids of unrelated resources.

import { createHash } from 'node:crypto';

export class SeededIds {
  private requests = 0;
  private draws = 0;

  constructor(private readonly seed: number, private readonly scope: string) {}

  /** `n` lowercase hex digits derived from the seed and the given parts. */
  public hex(n: number, ...parts: (string | number)[]): string {
    let out = '';
    for (let i = 0; out.length < n; i++) {
      out += createHash('sha256').update([this.seed, this.scope, ...parts, i].join('/')).digest('hex');
    }
    return out.slice(0, n);
  }

  /** A CloudFormation-style request id (UUID format), new for every request. */
  public requestId(): string {
    const h = this.hex(32, 'request', ++this.requests);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** A number in [0, 1), the next of a seeded sequence (rate-based fault hooks). */
  public draw(): number {
    return parseInt(this.hex(12, 'draw', ++this.draws), 16) / 2 ** 48;
  }

  /** A suffix like CloudFormation's for generated names: 12 uppercase letters and digits. */
  public nameSuffix(...parts: (string | number)[]): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const h = this.hex(24, 'name', ...parts);
    let out = '';
    for (let i = 0; i < 24; i += 2) out += alphabet[parseInt(h.slice(i, i + 2), 16) % alphabet.length];
    return out;
  }
}
