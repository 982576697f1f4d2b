// Records -> the JSON shapes of the API reference (timestamps in epoch seconds).
// Fields the reference marks optional are left out when they have no value; the newer
// fields of the live API (Mode, NetworkType, HsmType on backups, BackupArn) are included.

import { BackupRecord, ClusterRecord, HsmRecord, JsonObject, Tag } from './types';

const seconds = (ms: number): number => ms / 1000;

function tagList(tags: readonly Tag[]): Tag[] | undefined {
  // the reference gives TagList "Minimum number of 1 item": absent rather than empty
  return tags.length > 0 ? tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined;
}

/** Drops undefined members so the JSON carries only fields that have a value. */
function compact(obj: Record<string, unknown>): JsonObject {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as JsonObject;
}

export function hsmView(h: HsmRecord): JsonObject {
  return compact({
    AvailabilityZone: h.az,
    ClusterId: h.clusterId,
    EniId: h.eniId,
    EniIp: h.eniIp,
    EniIpV6: h.eniIpV6,
    HsmId: h.id,
    HsmType: h.hsmType,
    State: h.state,
    StateMessage: h.stateMessage,
    SubnetId: h.subnetId,
  });
}

export function clusterView(c: ClusterRecord): JsonObject {
  const uninitialized = c.state === 'UNINITIALIZED';
  const certs = c.certificates;
  return compact({
    BackupPolicy: 'DEFAULT',
    BackupRetentionPolicy: { Type: c.retention.Type, Value: c.retention.Value },
    Certificates: compact({
      // "The CSR exists only when the cluster's state is UNINITIALIZED."
      ClusterCsr: uninitialized ? certs.ClusterCsr : undefined,
      HsmCertificate: certs.HsmCertificate,
      AwsHardwareCertificate: certs.AwsHardwareCertificate,
      ManufacturerHardwareCertificate: certs.ManufacturerHardwareCertificate,
      ClusterCertificate: certs.ClusterCertificate,
    }),
    ClusterId: c.id,
    CreateTimestamp: seconds(c.createdMs),
    Hsms: c.hsms.map(hsmView),
    HsmType: c.hsmType,
    Mode: c.mode,
    NetworkType: c.networkType,
    PreCoPassword: uninitialized ? c.preCoPassword : undefined,
    SecurityGroup: c.securityGroup,
    SourceBackupId: c.sourceBackupId,
    State: c.state,
    StateMessage: c.stateMessage,
    SubnetMapping: { ...c.subnetMapping },
    TagList: tagList(c.tags),
    VpcId: c.vpcId,
  });
}

export function backupArn(b: BackupRecord, accountId: string): string {
  return `arn:aws:cloudhsm:${b.region}:${accountId}:backup/${b.id}`;
}

export function clusterArn(region: string, accountId: string, clusterId: string): string {
  return `arn:aws:cloudhsm:${region}:${accountId}:cluster/${clusterId}`;
}

export function backupView(b: BackupRecord, accountId: string): JsonObject {
  return compact({
    BackupArn: backupArn(b, accountId),
    BackupId: b.id,
    BackupState: b.state,
    ClusterId: b.clusterId,
    CopyTimestamp: b.copiedMs === undefined ? undefined : seconds(b.copiedMs),
    CreateTimestamp: seconds(b.createdMs),
    DeleteTimestamp: b.deleteMs === undefined ? undefined : seconds(b.deleteMs),
    HsmType: b.hsmType,
    Mode: b.mode,
    NeverExpires: b.neverExpires,
    SourceBackup: b.sourceBackup,
    SourceCluster: b.sourceCluster,
    SourceRegion: b.sourceRegion,
    TagList: tagList(b.tags),
  });
}
