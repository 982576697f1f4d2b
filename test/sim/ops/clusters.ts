// Cluster operations: CreateCluster, DescribeClusters, DeleteCluster, ModifyCluster,
// InitializeCluster. Asynchronous steps are timers on the virtual clock; each timer
// checks the cluster is still in the state it left it in, so a state forced by a test
// (e.g. DEGRADED) is never overwritten by a late transition.

import {
  assertNotTransitional, findCluster, OperationHandler, setClusterState, SimContext,
} from '../context';
import { csrDigest, csrDigestNamedBy } from '../csr';
import { invalidRequest } from '../errors';
import { paginate } from '../paging';
import { sourceBackupOf } from './resource-policies';
import {
  ClusterRecord, JsonObject, SubnetInfo,
} from '../types';
import {
  checkRetentionRange, checkTagSemantics, Validator,
} from '../validation';
import { clusterView } from '../views';

export const DEFAULT_RETENTION = { Type: 'DAYS', Value: '90' } as const;

/** Reads a BackupRetentionPolicy member: Type DAYS, Value 1-3 digits. */
export function readRetention(v: Validator): { Type?: string; Value?: string } | undefined {
  const s = v.struct('BackupRetentionPolicy');
  if (!s) return undefined;
  return {
    Type: s.string('Type'),
    Value: s.string('Value'),
  };
}

/** One subnet per Availability Zone, all subnets in one VPC (CreateCluster rules). */
function checkSubnets(ctx: SimContext, region: string, subnetIds: string[]): SubnetInfo[] {
  const dup = subnetIds.find((id, i) => subnetIds.indexOf(id) !== i);
  if (dup) throw invalidRequest(`Subnet '${dup}' is listed more than once in SubnetIds`);
  const infos = subnetIds.map((id) => ctx.store.subnet(region, id));
  const vpcs = [...new Set(infos.map((s) => s.vpcId))];
  if (vpcs.length > 1) {
    throw invalidRequest(`All subnets must be in the same virtual private cloud (VPC); got subnets in ${vpcs.join(', ')}`);
  }
  const byAz = new Map<string, string>();
  for (const s of infos) {
    const other = byAz.get(s.az);
    if (other) {
      throw invalidRequest(`You can specify only one subnet per Availability Zone: '${other}' and '${s.subnetId}' are both in ${s.az}`);
    }
    byAz.set(s.az, s.subnetId);
  }
  return infos;
}

export const createCluster: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const hsmType = v.string('HsmType');
  const subnetIds = v.stringList('SubnetIds');
  const sourceBackup = v.string('SourceBackupId');
  const retention = readRetention(v);
  const tags = v.tagList('TagList');
  const mode = v.string('Mode');
  const networkType = v.string('NetworkType');
  v.done();
  const policy = retention ? checkRetentionRange(retention) : { ...DEFAULT_RETENTION };
  if (tags) checkTagSemantics(tags);
  const subnets = checkSubnets(ctx, region, subnetIds!);

  // An id or ARN of the caller's backup, or the ARN of another account's backup shared with it.
  const source = sourceBackup ? sourceBackupOf(ctx, region, sourceBackup) : undefined;
  const sourceBackupId = source?.id;
  if (source) {
    if (source.state !== 'READY') {
      throw invalidRequest(`Backup '${sourceBackupId}' is in state ${source.state}; only a READY backup can be restored into a cluster`);
    }
  }

  const c: ClusterRecord = {
    id: ctx.ids.base32('cluster'),
    region,
    seq: ctx.store.nextSeq(),
    state: 'CREATE_IN_PROGRESS',
    stateMessage: '',
    createdMs: ctx.clock.now(),
    hsmType: hsmType!,
    mode: mode ?? source?.mode ?? 'FIPS',
    networkType: networkType ?? 'IPV4',
    subnetMapping: Object.fromEntries(subnets.map((s) => [s.az, s.subnetId])),
    vpcId: subnets[0].vpcId,
    securityGroup: ctx.ids.hex17('sg'),
    retention: policy,
    tags: (tags ?? []).map((t) => ({ ...t })),
    hsms: [],
    certificates: source?.clusterCertificate ? { ClusterCertificate: source.clusterCertificate } : {},
    trustAnchor: source?.trustAnchor,
    preCoPassword: ctx.ids.password(),
    sourceBackupId,
    sourceContent: source?.content,
  };
  setClusterState(c, 'CREATE_IN_PROGRESS');
  ctx.store.region(region).clusters.set(c.id, c);
  ctx.clock.schedule(ctx.timings.clusterCreateMs, `cluster ${c.id} created`, () => {
    if (c.state === 'CREATE_IN_PROGRESS') setClusterState(c, source ? 'ACTIVE' : 'UNINITIALIZED');
  });
  return { Cluster: clusterView(c) };
};

export const describeClusters: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const filters = v.filters('Filters', ['clusterIds', 'vpcIds', 'states']) ?? {};
  const maxResults = v.int('MaxResults');
  const nextToken = v.string('NextToken');
  v.done();
  const { clusterIds, vpcIds, states } = filters;
  const matching = [...ctx.store.region(region).clusters.values()].filter((c) =>
    // a DELETED cluster is still described for a while, but only when asked for by id or state
    (c.state !== 'DELETED' || clusterIds?.includes(c.id) || states?.includes('DELETED'))
    && (!clusterIds || clusterIds.includes(c.id))
    && (!vpcIds || vpcIds.includes(c.vpcId))
    && (!states || states.includes(c.state)));
  const page = paginate(matching, {
    operation: 'DescribeClusters',
    fingerprint: filters,
    key: (c) => [c.createdMs, c.seq],
    direction: 1,
    maxResults: maxResults ?? 25,
    nextToken,
  });
  const out: JsonObject = { Clusters: page.items.map(clusterView) };
  if (page.nextToken) out.NextToken = page.nextToken;
  return out;
};

export const deleteCluster: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const clusterId = v.string('ClusterId');
  v.done();
  const c = findCluster(ctx, region, clusterId!);
  assertNotTransitional(c, 'DeleteCluster');
  if (c.hsms.length > 0) {
    throw invalidRequest(`Cluster '${c.id}' still has ${c.hsms.length} HSM(s) (${c.hsms.map((h) => h.id).join(', ')}); delete all HSMs in the cluster before deleting the cluster`);
  }
  setClusterState(c, 'DELETE_IN_PROGRESS');
  ctx.clock.schedule(ctx.timings.clusterDeleteMs, `cluster ${c.id} DELETED`, () => {
    if (c.state !== 'DELETE_IN_PROGRESS') return;
    setClusterState(c, 'DELETED');
    c.deletedMs = ctx.clock.now();
    // the cluster's backups stay: they are governed by their own retention
    ctx.clock.schedule(ctx.timings.deletedClusterVisibleMs, `cluster ${c.id} forgotten`, () => {
      ctx.store.region(region).clusters.delete(c.id);
    });
  });
  return { Cluster: clusterView(c) };
};

export const modifyCluster: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const clusterId = v.string('ClusterId');
  const retention = readRetention(v);
  const hsmType = v.string('HsmType');
  v.done();
  if (!retention && hsmType === undefined) {
    throw invalidRequest('ModifyCluster needs BackupRetentionPolicy, HsmType or both');
  }
  const policy = retention ? checkRetentionRange(retention) : undefined;
  const c = findCluster(ctx, region, clusterId!);
  assertNotTransitional(c, 'ModifyCluster');
  const changesType = hsmType !== undefined && hsmType !== c.hsmType;
  if (policy) c.retention = policy;
  if (hsmType !== undefined) c.hsmType = hsmType;
  c.stateBeforeChange = c.state;
  // the live API reports MODIFY_IN_PROGRESS for an HSM type migration, UPDATE_IN_PROGRESS otherwise
  const transitional = changesType ? 'MODIFY_IN_PROGRESS' : 'UPDATE_IN_PROGRESS';
  setClusterState(c, transitional);
  ctx.clock.schedule(ctx.timings.modifyMs, `cluster ${c.id} ${transitional} done`, () => {
    if (c.state !== transitional) return;
    setClusterState(c, c.stateBeforeChange ?? 'ACTIVE');
    c.stateBeforeChange = undefined;
  });
  return { Cluster: clusterView(c) };
};

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;

export const initializeCluster: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const clusterId = v.string('ClusterId');
  const signedCert = v.string('SignedCert');
  const trustAnchor = v.string('TrustAnchor');
  v.done();
  const c = findCluster(ctx, region, clusterId!);
  assertNotTransitional(c, 'InitializeCluster');
  if (c.state !== 'UNINITIALIZED') {
    throw invalidRequest(`Cluster '${c.id}' is in state ${c.state}; only an UNINITIALIZED cluster can be initialized`);
  }
  if (!c.certificates.ClusterCsr) {
    throw invalidRequest(`Cluster '${c.id}' has no certificate signing request yet: create an HSM and wait until it is ACTIVE`);
  }
  for (const [name, value] of [['SignedCert', signedCert!], ['TrustAnchor', trustAnchor!]] as const) {
    if (!PEM_CERT.test(value)) throw invalidRequest(`${name} must be a PEM-encoded certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)`);
  }
  // The cluster certificate must be signed from the cluster's CSR (see ../csr.ts); the wording is the simulator's own.
  const signedFor = csrDigestNamedBy(signedCert!);
  if (signedFor !== undefined && signedFor !== csrDigest(c.certificates.ClusterCsr)) {
    throw invalidRequest(`SignedCert was not issued for the current certificate signing request of cluster '${c.id}'`);
  }
  setClusterState(c, 'INITIALIZE_IN_PROGRESS');
  ctx.clock.schedule(ctx.timings.initializeMs, `cluster ${c.id} INITIALIZED`, () => {
    if (c.state !== 'INITIALIZE_IN_PROGRESS') return;
    c.certificates.ClusterCertificate = signedCert;
    c.trustAnchor = trustAnchor;
    delete c.certificates.ClusterCsr;
    setClusterState(c, 'INITIALIZED');
  });
  return { State: c.state, StateMessage: c.stateMessage };
};
