// What the service does to HSMs on its own, which no API call causes: it replaces an HSM that fails,
// and an HSM can fail into DEGRADED while it is being created.
//
// Replacement. The CloudHSM FAQ (quoted in hashicorp/terraform-provider-aws PR #12435): "Amazon
// monitors and maintains the HSM and network for availability and error conditions. If an HSM fails
// or loses network connectivity, the HSM will be automatically replaced". As observed there (issue
// #8648, PR #12435), the replacement joins the cluster with a new HSM id on the same ENI id as the
// failed one; so here it keeps EniId, EniIp, EniIpV6, Availability Zone and subnet. A first HSM
// replaced before initialization brings a new cluster key and so a new CSR
// (aws-samples/aws-cloudhsm-cloudformation-template#15).
//
// The states on the way are not documented. ASSUMED here: the failed HSM is described DEGRADED (the
// API's state of an unhealthy HSM) for `failedMs`; then it is no longer described and the replacement
// is, CREATE_IN_PROGRESS on the same ENI, ACTIVE after `rebuildMs`. The two are never described at
// once (one ENI holds one HSM). An uninitialized cluster describes no CSR from the failure until the
// replacement is ACTIVE, and then a new one. A failed HSM that is deleted meanwhile (DeleteHsm) is not
// replaced.
//
// DEGRADED on create (aws-samples/aws-cloudhsm-cloudformation-template#17: an HSM that comes up
// DEGRADED never recovers until it is deleted and created again): a fault, `failHsmCreates`, makes the
// next HSMs created in a region end their creation DEGRADED instead of ACTIVE, and stay so.

import { hsmMessage, pem, SimContext } from './context';
import { ClusterRecord, HsmRecord } from './types';

export interface ReplaceHsmOptions {
  /** How long the failed HSM is described DEGRADED before the replacement appears (virtual ms; default 5 min; 0: at once). */
  readonly failedMs?: number;
  /** How long the replacement takes to become ACTIVE (virtual ms; default: the `hsmCreateMs` timing). */
  readonly rebuildMs?: number;
  /** The failed HSM's StateMessage. */
  readonly message?: string;
}

export interface HsmReplacement {
  readonly clusterId: string;
  readonly oldHsmId: string;
  /** The id the replacement gets (chosen now, so that tests know it). */
  readonly newHsmId: string;
  readonly eniId: string;
  readonly eniIp: string;
}

export const DEFAULT_FAILED_MS = 5 * 60_000;
export const DEFAULT_CREATE_FAILURE_MESSAGE = 'HSM failed during creation and is degraded.';

function clusterOfHsm(ctx: SimContext, region: string, hsmId: string): { c: ClusterRecord; h: HsmRecord } {
  for (const c of ctx.store.region(region).clusters.values()) {
    const h = c.hsms.find((x) => x.id === hsmId);
    if (h) return { c, h };
  }
  throw new Error(`replaceHsm: no HSM '${hsmId}' in ${region}`);
}

/** The service replaces the HSM `hsmId` (ACTIVE or still being created): see the rules above. */
export function replaceHsm(ctx: SimContext, region: string, hsmId: string, opts: ReplaceHsmOptions = {}): HsmReplacement {
  const { c, h } = clusterOfHsm(ctx, region, hsmId);
  if (h.state === 'DELETE_IN_PROGRESS') throw new Error(`replaceHsm: HSM '${hsmId}' is being deleted`);
  const newHsmId = ctx.ids.base32('hsm');
  h.state = 'DEGRADED';
  h.stateMessage = opts.message ?? 'HSM failed and is being replaced.';
  const uninitialized = !c.certificates.ClusterCertificate;
  if (uninitialized) delete c.certificates.ClusterCsr;
  const swap = (): void => {
    // Only a failed HSM still there is replaced: one deleted meanwhile is gone for good.
    if (h.state !== 'DEGRADED' || !c.hsms.includes(h)) return;
    const next: HsmRecord = {
      ...h, id: newHsmId, state: 'CREATE_IN_PROGRESS', stateMessage: hsmMessage('CREATE_IN_PROGRESS'), createdMs: ctx.clock.now(),
    };
    c.hsms = c.hsms.map((x) => (x === h ? next : x));
    ctx.clock.schedule(opts.rebuildMs ?? ctx.timings.hsmCreateMs, `hsm ${next.id} ACTIVE (replacement of ${h.id})`, () => {
      if (next.state !== 'CREATE_IN_PROGRESS' || !c.hsms.includes(next)) return;
      next.state = 'ACTIVE';
      next.stateMessage = hsmMessage('ACTIVE');
      if (!c.certificates.ClusterCertificate && !c.certificates.ClusterCsr && c.state === 'UNINITIALIZED') {
        // A new cluster key: a CSR that differs from the one before.
        c.certificates.ClusterCsr = pem('CERTIFICATE REQUEST', `${c.id} csr ${next.id}`);
        c.certificates.HsmCertificate = pem('CERTIFICATE', `${next.id} hsm`);
      }
    });
  };
  const failedMs = opts.failedMs ?? DEFAULT_FAILED_MS;
  if (failedMs <= 0) swap();
  else ctx.clock.schedule(failedMs, `hsm ${h.id} replaced by ${newHsmId}`, swap);
  return { clusterId: c.id, oldHsmId: h.id, newHsmId, eniId: h.eniId, eniIp: h.eniIp };
}

/** The next `count` HSMs created in `region` end their creation DEGRADED with `message` (a fault). */
export function failHsmCreates(ctx: SimContext, region: string, count: number, message = DEFAULT_CREATE_FAILURE_MESSAGE): void {
  const list = ctx.store.hsmCreateFailures.get(region) ?? [];
  list.push({ remaining: count, message });
  ctx.store.hsmCreateFailures.set(region, list);
}

/** Called by CreateHsm: the StateMessage this new HSM fails with at the end of its creation, if a fault says so. */
export function takeCreateFailure(ctx: SimContext, region: string): string | undefined {
  const list = ctx.store.hsmCreateFailures.get(region) ?? [];
  const next = list.find((f) => f.remaining > 0);
  if (!next) return undefined;
  next.remaining--;
  return next.message;
}
