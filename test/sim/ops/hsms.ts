// HSM operations: CreateHsm and DeleteHsm.

import {
  assertNotTransitional, findCluster, hsmMessage, makeClusterBackup, OperationHandler, pem, SimContext,
} from '../context';
import { invalidRequest, notFound } from '../errors';
import { takeCreateFailure } from '../hsm-replacement';
import { formatIpv4, parseCidr, parseIpv4, usableRange } from '../network';
import { BackupRecord, ClusterRecord, HsmRecord } from '../types';
import { Validator } from '../validation';
import { hsmView } from '../views';

/**
 * The service refuses a second HSM until the cluster is initialized and activated.
 * Wording as reported from the live API in hashicorp/terraform-provider-aws issue #7437
 * ("An error occurred (CloudHsmInvalidRequestException) when calling the CreateHsm
 * operation: Cluster 'cluster-xxxxxxxxxxx' already contains an HSM but has not yet been
 * fully activated").
 */
export function notYetActivatedMessage(clusterId: string): string {
  return `Cluster '${clusterId}' already contains an HSM but has not yet been fully activated`;
}

/** Checks a requested IP, or picks a free one (seeded, so reproducible). */
function chooseIp(ctx: SimContext, region: string, subnetId: string, cidr: string, requested?: string): string {
  const used = ctx.store.usedIps(region, subnetId);
  const { first, last } = usableRange(cidr);
  if (requested !== undefined) {
    const value = parseIpv4(requested);
    if (value === undefined) throw invalidRequest(`IpAddress '${requested}' is not a valid IPv4 address`);
    const { network, size } = parseCidr(cidr);
    if (value < network || value >= network + size) {
      throw invalidRequest(`IpAddress '${requested}' is not in the address range of subnet ${subnetId} (${cidr})`);
    }
    if (value < first || value > last) {
      throw invalidRequest(`IpAddress '${requested}' is reserved by AWS in subnet ${subnetId} (${cidr}): the first four and the last address cannot be used`);
    }
    if (used.has(requested)) throw invalidRequest(`IpAddress '${requested}' is already in use in subnet ${subnetId}`);
    return requested;
  }
  const count = last - first + 1;
  const start = ctx.rng.int(count);
  for (let i = 0; i < count; i++) {
    const ip = formatIpv4(first + ((start + i) % count));
    if (!used.has(ip)) return ip;
  }
  throw invalidRequest(`Subnet ${subnetId} (${cidr}) has no free IP address left`);
}

/**
 * The IPv6 address of an HSM in a DUALSTACK cluster (Hsm.EniIpV6 of the current API model). Subnets
 * have no IPv6 block in the simulator: the address is made from the IPv4 one, in the range kept for
 * documentation (2001:db8::/32), so it is unique per HSM and recognisable.
 */
function ipv6Of(ipv4: string): string {
  const [a, b, c, d] = ipv4.split('.').map(Number);
  return `2001:db8::${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
}

/** The first HSM of a cluster that becomes ACTIVE brings the CSR and the HSM certificates. */
function issueCertificates(c: ClusterRecord, h: HsmRecord): void {
  if (c.certificates.ClusterCsr || c.certificates.ClusterCertificate) return;
  c.certificates.ClusterCsr = pem('CERTIFICATE REQUEST', `${c.id} csr`);
  c.certificates.HsmCertificate = pem('CERTIFICATE', `${h.id} hsm`);
  c.certificates.AwsHardwareCertificate = pem('CERTIFICATE', `${h.id} aws hardware`);
  c.certificates.ManufacturerHardwareCertificate = pem('CERTIFICATE', `${h.id} manufacturer`);
}

/**
 * The backup the service restores onto the first HSM of an emptied ACTIVE cluster: its latest READY
 * one ("delete it to trigger a backup. Later, create a new one in the same cluster", CloudHSM user
 * guide). A backup PENDING_DELETION is not usable until RestoreBackup makes it READY again.
 */
export function latestReadyBackup(ctx: SimContext, region: string, c: ClusterRecord): BackupRecord | undefined {
  return [...ctx.store.region(region).backups.values()]
    .filter((b) => b.clusterId === c.id && b.region === region && b.state === 'READY')
    .sort((a, b) => b.createdMs - a.createdMs || b.seq - a.seq)[0];
}

/** Whether the cluster has any backup of its own (in any state but DELETED). */
function hasBackups(ctx: SimContext, region: string, c: ClusterRecord): boolean {
  return [...ctx.store.region(region).backups.values()].some((b) => b.clusterId === c.id && b.region === region && b.state !== 'DELETED');
}

/** The refusal of an HSM for an emptied cluster with nothing to restore (this simulator's wording). */
export function noUsableBackupMessage(clusterId: string): string {
  return `Cluster '${clusterId}' has no HSM and no READY backup to restore onto a new HSM; `
    + 'a backup in PENDING_DELETION can be made READY again with RestoreBackup';
}

export const createHsm: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const clusterId = v.string('ClusterId');
  const az = v.string('AvailabilityZone');
  const ipAddress = v.string('IpAddress');
  v.done();
  const c = findCluster(ctx, region, clusterId!);
  assertNotTransitional(c, 'CreateHsm');
  // Before activation the cluster takes one HSM; the second CreateHsm is refused even while the first
  // is still being created (hashicorp/terraform-provider-aws #7437: parallel creation fails only on
  // clusters not yet activated).
  if (c.state !== 'ACTIVE' && c.hsms.length > 0) throw invalidRequest(notYetActivatedMessage(c.id));
  // An ACTIVE cluster takes several CreateHsm at once, each HSM created in parallel on its own timer,
  // the cluster staying ACTIVE: the aws-samples CloudHSM CloudFormation template's "align HSM count"
  // function calls CreateHsm in a loop without waiting for the previous HSM. Two requests for one
  // address cannot both succeed: the API reference (CreateHsm, IpAddress) asks for "an available
  // address from the subnet", so the second is refused (chooseIp).
  const subnetId = c.subnetMapping[az!];
  if (!subnetId) {
    throw invalidRequest(`Availability Zone '${az}' is not one of the Availability Zones of cluster '${c.id}' (${Object.keys(c.subnetMapping).join(', ')})`);
  }
  // The first HSM of an emptied ACTIVE cluster is made from the cluster's latest READY backup, with
  // the users and key material it holds; no backup, no HSM. An HSM added to an ACTIVE cluster that
  // has HSMs makes a backup (CloudHSM user guide, cluster backups).
  // A cluster created from a backup that has no backup of its own yet restores the one it was created from.
  const emptied = c.state === 'ACTIVE' && c.hsms.length === 0;
  const backup = emptied ? latestReadyBackup(ctx, region, c) : undefined;
  const restoring = backup !== undefined || (emptied && c.sourceBackupId !== undefined && !hasBackups(ctx, region, c));
  if (emptied && !restoring) throw invalidRequest(noUsableBackupMessage(c.id));
  const subnet = ctx.store.subnet(region, subnetId);
  const eniIp = chooseIp(ctx, region, subnetId, subnet.cidr, ipAddress);
  const h: HsmRecord = {
    id: ctx.ids.base32('hsm'),
    clusterId: c.id,
    az: az!,
    subnetId,
    eniId: ctx.ids.hex17('eni'),
    eniIp,
    eniIpV6: c.networkType === 'DUALSTACK' ? ipv6Of(eniIp) : undefined,
    hsmType: c.hsmType,
    state: 'CREATE_IN_PROGRESS',
    stateMessage: hsmMessage('CREATE_IN_PROGRESS'),
    createdMs: ctx.clock.now(),
  };
  if (restoring) ctx.content?.restore(region, c, backup ? backup.content : c.sourceContent);
  else if (c.state === 'ACTIVE') makeClusterBackup(ctx, region, c, 'CREATE_IN_PROGRESS');
  c.hsms.push(h);
  const failure = takeCreateFailure(ctx, region);
  const readyMs = ctx.timings.hsmCreateMs + (restoring ? ctx.timings.hsmRestoreMs : 0);
  ctx.clock.schedule(readyMs, `hsm ${h.id} ACTIVE`, () => {
    if (h.state !== 'CREATE_IN_PROGRESS' || !c.hsms.includes(h)) return;
    if (failure !== undefined) {
      // A fault (../hsm-replacement.ts): the creation ends DEGRADED, and the HSM stays so.
      h.state = 'DEGRADED';
      h.stateMessage = failure;
      return;
    }
    h.state = 'ACTIVE';
    h.stateMessage = hsmMessage('ACTIVE');
    issueCertificates(c, h);
  });
  return { Hsm: hsmView(h) };
};

export const deleteHsm: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const clusterId = v.string('ClusterId');
  const eniId = v.string('EniId');
  const eniIp = v.string('EniIp');
  const hsmId = v.string('HsmId');
  v.done();
  if (hsmId === undefined && eniId === undefined && eniIp === undefined) {
    throw invalidRequest('DeleteHsm needs one of HsmId, EniId or EniIp to identify the HSM');
  }
  const c = findCluster(ctx, region, clusterId!);
  const h = c.hsms.find((x) => (hsmId === undefined || x.id === hsmId)
    && (eniId === undefined || x.eniId === eniId)
    && (eniIp === undefined || x.eniIp === eniIp));
  if (!h) {
    const what = [hsmId && `HsmId ${hsmId}`, eniId && `EniId ${eniId}`, eniIp && `EniIp ${eniIp}`].filter(Boolean).join(', ');
    throw notFound(`No HSM with ${what} was found in cluster '${c.id}'`);
  }
  if (h.state !== 'DELETE_IN_PROGRESS') {
    // deleting an HSM of an initialized cluster backs the cluster up first
    if (h.state === 'ACTIVE' && (c.state === 'INITIALIZED' || c.state === 'ACTIVE')) {
      makeClusterBackup(ctx, region, c, 'CREATE_IN_PROGRESS');
    }
    h.state = 'DELETE_IN_PROGRESS';
    h.stateMessage = hsmMessage('DELETE_IN_PROGRESS');
    ctx.clock.schedule(ctx.timings.hsmDeleteMs, `hsm ${h.id} removed`, () => {
      c.hsms = c.hsms.filter((x) => x !== h);
      // An active cluster's users and keys live in its HSMs and its backups only.
      if (c.hsms.length === 0 && c.state === 'ACTIVE') ctx.content?.forget(region, c);
    });
  }
  return { HsmId: h.id };
};
