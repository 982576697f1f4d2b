// Secrets Manager's state: secrets by ARN, each with its versions and their staging labels. A secret
// is found by name, full ARN, or partial ARN (the ARN without its six-character suffix), as the
// GetSecretValue reference allows. Secrets the stack declares are created through the control
// API (the deploy harness does it for AWS::SecretsManager::Secret); the API serves reads, new
// versions (PutSecretValue), stage moves (UpdateSecretVersionStage) and rotation (RotateSecret).
// Staging labels (the Secrets Manager user guide, "Secret versions"): AWSCURRENT is on exactly one
// version; moving it to another version puts AWSPREVIOUS on the version it left; AWSPENDING marks a
// version being rotated in. A label is on at most one version at a time: attaching it elsewhere
// removes it from where it was. Versions without a label are deprecated (kept here, never served
// by stage).

import { SeededRandom } from './random';

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';
export const PREVIOUS = 'AWSPREVIOUS';

export interface SecretVersion {
  readonly versionId: string;
  readonly secretString: string;
  readonly createdMs: number;
  stages: string[];
}

/** One rotation step as Secrets Manager invokes the rotation function with it. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
}

/** Invokes a rotation function (by ARN) for one step; rejects when the function fails. */
export type RotationInvoker = (functionArn: string, event: RotationEvent) => Promise<void>;

/** How a rotation started by RotateSecret ended: its token, and the failed step's error if any. */
export interface RotationOutcome {
  readonly token: string;
  readonly failedStep?: string;
  readonly error?: string;
}

export class SecretRecord {
  public readonly versions = new Map<string, SecretVersion>();
  public description?: string;
  /** DeleteSecret was called: reads are refused; gone from the store after force delete */
  public deletedMs?: number;
  public tags: Array<{ Key: string; Value: string }> = [];
  public rotationLambdaArn?: string;
  public rotationDays?: number;
  public rotationEnabled = false;
  public lastRotatedMs?: number;
  /** rotations started by RotateSecret, in order; each settles when its four steps ran or one failed */
  public readonly rotations: Array<{ token: string; done: Promise<RotationOutcome> }> = [];

  constructor(public readonly arn: string, public readonly name: string, public readonly region: string,
    public readonly createdMs: number) {}

  /** The version with a staging label, if any. */
  public withStage(stage: string): SecretVersion | undefined {
    return [...this.versions.values()].find((v) => v.stages.includes(stage));
  }

  /** The AWSCURRENT version (a secret always has one once created). */
  public get current(): SecretVersion {
    return this.withStage(CURRENT)!;
  }

  /** The AWSCURRENT value (what reads without a stage or version get). */
  public get secretString(): string {
    return this.current.secretString;
  }

  /** The AWSCURRENT version id. */
  public get versionId(): string {
    return this.current.versionId;
  }

  /** The version ids and their labels, as DescribeSecret's VersionIdsToStages shows them. */
  public stagesView(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const v of this.versions.values()) if (v.stages.length > 0) out[v.versionId] = [...v.stages];
    return out;
  }

  /** Puts a label on a version, taking it off any other; AWSCURRENT leaving a version puts AWSPREVIOUS there. */
  public attachStage(stage: string, versionId: string): void {
    const target = this.versions.get(versionId);
    if (!target) throw new Error(`no version ${versionId}`);
    const from = this.withStage(stage);
    if (from === target) return;
    if (from) from.stages = from.stages.filter((s) => s !== stage);
    target.stages.push(stage);
    if (stage === CURRENT && from) this.attachStage(PREVIOUS, from.versionId);
  }

  /** Takes a label off a version (never AWSCURRENT: a secret keeps a current version). */
  public detachStage(stage: string, versionId: string): void {
    const v = this.versions.get(versionId);
    if (v) v.stages = v.stages.filter((s) => s !== stage);
  }
}

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class SecretStore {
  /** Runs rotation functions for RotateSecret (the deploy harness sets one); none: RotateSecret is refused. */
  public rotationInvoker?: RotationInvoker;
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
    const record = new SecretRecord(arn, name, region, nowMs);
    record.description = opts.description;
    record.tags = [...(opts.tags ?? [])];
    this.addVersion(record, secretString, nowMs, [CURRENT]);
    this.byArn.set(arn, record);
    for (const replicaRegion of opts.replicaRegions ?? []) {
      // The replica holds the primary's versions as they are now (replication of later versions is not modelled).
      const replica = new SecretRecord(arn.replace(`:${region}:`, `:${replicaRegion}:`), name, replicaRegion, nowMs);
      replica.description = record.description;
      replica.tags = [...record.tags];
      for (const v of record.versions.values()) replica.versions.set(v.versionId, { ...v, stages: [...v.stages] });
      this.byArn.set(replica.arn, replica);
    }
    return record;
  }

  /** A new version with the given labels (taken off other versions); its id is `versionId` or a new one. */
  public addVersion(record: SecretRecord, secretString: string, nowMs: number, stages: string[], versionId?: string): SecretVersion {
    const version: SecretVersion = { versionId: versionId ?? this.newVersionId(), secretString, createdMs: nowMs, stages: [] };
    record.versions.set(version.versionId, version);
    for (const stage of stages) record.attachStage(stage, version.versionId);
    return version;
  }

  /** A new AWSCURRENT version (a value changed outside rotation: the old one becomes AWSPREVIOUS). */
  public putValue(record: SecretRecord, secretString: string, nowMs = 0): void {
    this.addVersion(record, secretString, nowMs, [CURRENT]);
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

  /** A version id in the UUID form Secrets Manager uses (also what a rotation's token is). */
  public newVersionId(): string {
    const hex = this.rng.pick('0123456789abcdef', 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
