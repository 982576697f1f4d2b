import { parseTagsProperty } from './tags';
import { P } from '../src/private/property-names';
import {
  checkHsmType,
  checkOneOf,
  checkRetentionDays,
  checkSourceBackup,
  checkSubnetCount,
  checkTags,
  CLUSTER_MODES,
  NETWORK_TYPES,
} from '../src/private/rules';

// The cluster handler's properties: parsed and checked from CloudFormation's strings, and which of
// them only CreateCluster sets.

/** The `Custom::CloudHsmCluster` properties, parsed from CloudFormation's strings. */
export interface ClusterProperties {
  readonly hsmType: string;
  readonly subnetIds: string[];
  readonly sourceBackupId?: string;
  readonly backupRetentionDays?: number;
  readonly mode?: string;
  readonly networkType?: string;
  readonly tags: Record<string, string>;
  readonly allowReplacement: boolean;
}

/** Parses and checks the properties; values that were tokens at synth time are first seen here. */
export function parseClusterProperties(raw: Record<string, any>, validate = true): ClusterProperties {
  const subnetIds: string[] = Array.isArray(raw.SubnetIds) ? raw.SubnetIds.map(String) : [];
  const retention = raw.BackupRetentionDays === undefined || raw.BackupRetentionDays === ''
    ? undefined : Number(raw.BackupRetentionDays);
  const props: ClusterProperties = {
    hsmType: String(raw.HsmType ?? ''),
    subnetIds,
    sourceBackupId: raw.SourceBackupId || undefined,
    backupRetentionDays: retention,
    mode: raw.Mode || undefined,
    networkType: raw.NetworkType || undefined,
    tags: parseTagsProperty(raw.Tags),
    allowReplacement: String(raw.AllowReplacement) === 'true',
  };
  const errors = [
    checkHsmType(P.hsmType, props.hsmType),
    checkSubnetCount(P.vpcSubnets, subnetIds),
    props.sourceBackupId === undefined ? undefined : checkSourceBackup(P.sourceBackupId, props.sourceBackupId),
    retention === undefined ? undefined : checkRetentionDays(P.backupRetention, retention),
    props.mode === undefined ? undefined : checkOneOf(P.mode, props.mode, CLUSTER_MODES),
    props.networkType === undefined ? undefined : checkOneOf(P.networkType, props.networkType, NETWORK_TYPES),
    ...checkTags(P.tags, props.tags),
  ].filter((e): e is string => e !== undefined);
  if (validate && errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

/** Properties that CreateCluster alone sets: changing one needs a new cluster. */
const CREATE_ONLY: { name: string; read: (p: ClusterProperties) => string }[] = [
  { name: P.vpcSubnets, read: (p) => [...p.subnetIds].sort().join(',') },
  { name: P.mode, read: (p) => p.mode ?? 'FIPS' },
  { name: P.networkType, read: (p) => p.networkType ?? 'IPV4' },
  { name: P.sourceBackupId, read: (p) => p.sourceBackupId ?? '' },
];

/** The create-only properties that differ between two property sets. */
export function createOnlyChanges(oldProps: ClusterProperties, newProps: ClusterProperties): string[] {
  return CREATE_ONLY
    .filter((c) => c.read(oldProps) !== c.read(newProps))
    .map((c) => `${c.name} (${JSON.stringify(c.read(oldProps))} -> ${JSON.stringify(c.read(newProps))})`);
}
