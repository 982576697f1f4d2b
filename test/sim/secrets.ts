// Secrets Manager's state: secrets by ARN, each with its current version (AWSCURRENT). A secret
// is found by name, full ARN, or partial ARN (the ARN without its six-character suffix), as the
// GetSecretValue reference allows. Secrets the stack declares are created through the control
// API (the deploy harness does it for AWS::SecretsManager::Secret); the API serves reads.

import { SeededRandom } from './random';

export interface SecretRecord {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly createdMs: number;
  versionId: string;
  secretString: string;
  description?: string;
  /** DeleteSecret was called: reads are refused; gone from the store after force delete */
  deletedMs?: number;
  tags: Array<{ Key: string; Value: string }>;
}

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class SecretStore {
  private readonly byArn = new Map<string, SecretRecord>();

  constructor(private readonly rng: SeededRandom, private readonly accountId: string) {}

  /**
   * A new secret; `replicaRegions` makes its replicas too (AWS::SecretsManager::Secret ReplicaRegions):
   * a replica has the secret's name, value and version, and its ARN is the secret's with the replica's
   * region (Secrets Manager User Guide, "Replicate secrets across Regions").
   */
  public create(region: string, name: string, secretString: string, nowMs: number,
    opts: { description?: string; tags?: Array<{ Key: string; Value: string }>; replicaRegions?: readonly string[] } = {}): SecretRecord {
    if (this.find(region, name) && !this.find(region, name)!.deletedMs) {
      throw new Error(`A secret named ${name} already exists in ${region}`);
    }
    const arn = `arn:aws:secretsmanager:${region}:${this.accountId}:secret:${name}-${this.rng.pick(SUFFIX_ALPHABET, 6)}`;
    const record: SecretRecord = {
      arn,
      name,
      region,
      createdMs: nowMs,
      versionId: this.versionId(),
      secretString,
      description: opts.description,
      tags: [...(opts.tags ?? [])],
    };
    this.byArn.set(arn, record);
    for (const replicaRegion of opts.replicaRegions ?? []) {
      const replica = { ...record, arn: arn.replace(`:${region}:`, `:${replicaRegion}:`), region: replicaRegion, tags: [...record.tags] };
      this.byArn.set(replica.arn, replica);
    }
    return record;
  }

  /** A new AWSCURRENT version (rotation). */
  public putValue(record: SecretRecord, secretString: string): void {
    record.secretString = secretString;
    record.versionId = this.versionId();
  }

  /** By name, full ARN or partial ARN; deleted secrets too (the caller decides what that means). */
  public find(region: string, secretId: string): SecretRecord | undefined {
    for (const s of this.byArn.values()) {
      if (s.region !== region) continue;
      if (s.arn === secretId || s.name === secretId || s.arn.slice(0, -7) === secretId) return s;
    }
    return undefined;
  }

  public remove(arn: string): void {
    this.byArn.delete(arn);
  }

  public all(): SecretRecord[] {
    return [...this.byArn.values()];
  }

  public clear(): void {
    this.byArn.clear();
  }

  private versionId(): string {
    const hex = this.rng.pick('0123456789abcdef', 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
