// Seeded pseudo-random numbers and the resource id formats of the API reference.
// A fixed seed makes ids, IPs and fault decisions reproducible from run to run.
// Park-Miller "minimal standard" generator: pure arithmetic (exact in doubles), so no
// bitwise operators are needed (the project's lint forbids them).

const MODULUS = 2147483647; // 2^31 - 1
const MULTIPLIER = 48271;

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = 1;
    this.reseed(seed);
  }

  public reseed(seed: number): void {
    const s = Math.abs(Math.floor(seed)) % MODULUS;
    this.state = s === 0 ? 1 : s;
  }

  /** Uniform in [0, 1). */
  public next(): number {
    this.state = (this.state * MULTIPLIER) % MODULUS;
    return (this.state - 1) / (MODULUS - 1);
  }

  /** Integer in [0, n). */
  public int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  public pick(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

/** The service's ids use lowercase base32 (a-z, 2-7), which fits [2-7a-zA-Z]{11,16}. */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const HEX = '0123456789abcdef';
const PASSWORD = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** Generates unique ids in the formats of the API reference. */
export class IdFactory {
  private readonly used = new Set<string>();

  constructor(private readonly rng: SeededRandom) {}

  /** cluster-[2-7a-zA-Z]{11,16}, hsm-..., backup-... */
  public base32(prefix: 'cluster' | 'hsm' | 'backup'): string {
    return this.unique(() => `${prefix}-${this.rng.pick(BASE32, 11)}`);
  }

  /** eni-[0-9a-f]{17}, sg-[0-9a-f]{17}: the long form EC2 uses today. */
  public hex17(prefix: 'eni' | 'sg'): string {
    return this.unique(() => `${prefix}-${this.rng.pick(HEX, 17)}`);
  }

  /** A KMS custom key store id: cks- and 17 hex digits (the form the KMS API reference shows). */
  public keyStoreId(): string {
    return this.unique(() => `cks-${this.rng.pick(HEX, 17)}`);
  }

  /** A KMS key id: a UUID (8-4-4-4-12 hex digits). */
  public uuid(): string {
    return this.unique(() => {
      const h = this.rng.pick(HEX, 32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    });
  }

  /** PreCoPassword: the reference allows 7-32 characters. */
  public password(): string {
    return this.rng.pick(PASSWORD, 16);
  }

  public reset(): void {
    this.used.clear();
  }

  private unique(make: () => string): string {
    for (;;) {
      const id = make();
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
}
