import { createHash } from 'crypto';
import { Cluster, InitializeClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm, isInvalidRequest, messageOf } from './aws';
import { describeCluster, TRANSITIONAL_STATES } from './cluster-state';
import { locateHsm, parseHsmPhysicalId, replacementOf } from './hsm-eni';
import { log } from './log';
import { issueCertificate, IssueRequest, readCertificate, trustAnchorOf } from './private-ca';
import { sleep } from './sleep';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { P } from '../src/private/property-names';
import { activationNextStep, checkCertificatePem, checkClusterId } from '../src/private/rules';
const CA_ARN_PATTERN = /^arn:[\w+=/,.@-]+:acm-pca:[\w+=/,.@-]*:[0-9]*:certificate-authority\/[\w+=,.@-]+$/;

/** The `Custom::CloudHsmClusterInitialization` properties: one of the two forms. */
export interface InitializationProperties {
  readonly clusterId: string;
  readonly certificateAuthorityArn?: string;
  readonly validityDays: number;
  readonly signedCert?: string;
  readonly trustAnchor?: string;
  /** The physical id of the cluster's first HSM resource: tells whether the service replaced that HSM. */
  readonly firstHsm?: string;
}

export function parseInitializationProperties(raw: Record<string, any>): InitializationProperties {
  const props: InitializationProperties = {
    clusterId: String(raw.ClusterId ?? ''),
    certificateAuthorityArn: raw.CertificateAuthorityArn || undefined,
    validityDays: Number(raw.ValidityDays ?? 1825),
    signedCert: raw.SignedCert || undefined,
    trustAnchor: raw.TrustAnchor || undefined,
    firstHsm: raw.FirstHsm || undefined,
  };
  const errors: string[] = [];
  const idError = checkClusterId(P.cluster, props.clusterId);
  if (idError) errors.push(idError);
  if (props.certificateAuthorityArn !== undefined) {
    if (!CA_ARN_PATTERN.test(props.certificateAuthorityArn)) {
      errors.push(`${P.ca}: ${JSON.stringify(props.certificateAuthorityArn)} is not an AWS Private CA ARN`);
    }
    if (!Number.isInteger(props.validityDays) || props.validityDays < 1) {
      errors.push(`${P.validity}: ${raw.ValidityDays} days is not valid; it must be a whole number of days, at least 1`);
    }
  } else if (props.signedCert === undefined || props.trustAnchor === undefined) {
    errors.push('initialization: give either a Private CA (fromPrivateCa) or both signedCertificate and trustAnchor (fromCertificates)');
  } else {
    errors.push(...checkCertificatePem(P.signedCertificate, props.signedCert), ...checkCertificatePem(P.trustAnchor, props.trustAnchor));
  }
  if (errors.length > 0) throw new Error(`ClusterInitialization: ${errors.join('; ')}`);
  return props;
}

function label(event: ResourceEvent, clusterId: string): string {
  return `ClusterInitialization ${event.LogicalResourceId} (${clusterId})`;
}

/**
 * Physical ids. Once done, and whenever onEvent issued nothing: `cdk-cloudhsm:initialization:<clusterId>`,
 * the id this resource has always had, so stacks deployed with earlier versions see no replacement.
 * While the certificate onEvent had issued is awaited:
 * `cdk-cloudhsm:pending-initialization:<clusterId>:csr-<digest>:<certificateArn>`, the digest naming the
 * CSR the certificate is for (ids of earlier versions have none): the service may replace the first HSM
 * meanwhile, and the replacement brings a new CSR. The Provider framework hands
 * every isComplete poll the event as onEvent left it (what an unfinished isComplete returns is
 * dropped), so onEvent's physical id is the one place the certificate ARN survives between polls.
 */
const PENDING_PREFIX = 'cdk-cloudhsm:pending-initialization:';
const CERTIFICATE_ARN_PATTERN =
  /^arn:[\w+=/,.@-]+:acm-pca:[\w+=/,.@-]*:[0-9]*:certificate-authority\/[\w+=,.@-]+\/certificate\/[\w+=,.@-]+$/;

export const physicalId = (clusterId: string) => `cdk-cloudhsm:initialization:${clusterId}`;

/** A short digest of a CSR, to tell whether the cluster's CSR is still the one a certificate was issued for. */
export const csrDigest = (csr: string) => createHash('sha256').update(csr.trim()).digest('hex').slice(0, 16);

export const pendingId = (clusterId: string, certificateArn: string, csr?: string) =>
  `${PENDING_PREFIX}${clusterId}:${csr === undefined ? '' : `csr-${csrDigest(csr)}:`}${certificateArn}`;

export interface PendingInitialization {
  readonly clusterId: string;
  readonly certificateArn: string;
  /** The digest of the CSR the certificate was issued for (undefined in ids of earlier versions). */
  readonly csrDigest?: string;
}

export function parsePendingId(id: string | undefined): PendingInitialization | undefined {
  if (!id?.startsWith(PENDING_PREFIX)) return undefined;
  const rest = id.slice(PENDING_PREFIX.length);
  const colon = rest.indexOf(':');
  let certificateArn = rest.slice(colon + 1);
  const digest = /^csr-([0-9a-f]{16}):/.exec(certificateArn);
  if (digest) certificateArn = certificateArn.slice(digest[0].length);
  if (colon < 1 || !CERTIFICATE_ARN_PATTERN.test(certificateArn)) return undefined;
  return { clusterId: rest.slice(0, colon), certificateArn, ...(digest ? { csrDigest: digest[1] } : {}) };
}

/**
 * Attributes: the state and what is left; never the PreCoPassword. The final physical id.
 * Not the cluster certificate: a chain can be 20000 characters and CloudFormation refuses a
 * response over 4096 bytes (the construct knows the certificate it was given; DescribeClusters has it).
 */
function done(cluster: Cluster, clusterId: string): IsCompleteResponse {
  return {
    IsComplete: true,
    PhysicalResourceId: physicalId(clusterId),
    Data: {
      State: cluster.State ?? '',
      NextStep: cluster.State === 'ACTIVE'
        ? `Cluster ${cluster.ClusterId} is initialized and active; add HSMs with activated: true.`
        : activationNextStep(cluster.ClusterId ?? ''),
    },
  };
}

function issueRequest(event: ResourceEvent, props: InitializationProperties): IssueRequest {
  return {
    caArn: props.certificateAuthorityArn!,
    validityDays: props.validityDays,
    requestId: event.RequestId,
    label: label(event, props.clusterId),
  };
}

/**
 * Create (or Update) of the Private CA form: the certificate is issued here, once per request. The
 * CSR is normally there: the resource depends on the cluster's first HSM, which completes only once
 * the cluster has its CSR. If it is not (or the cluster is initialized already), nothing is issued
 * and isComplete decides.
 */
async function begin(event: ResourceEvent, props: InitializationProperties): Promise<OnEventResponse> {
  if (!props.certificateAuthorityArn) return { PhysicalResourceId: physicalId(props.clusterId) };
  const cluster = await describeCluster(props.clusterId);
  const csr = cluster?.State === 'UNINITIALIZED' ? cluster.Certificates?.ClusterCsr : undefined;
  if (!csr) {
    log(event, 'not issuing a certificate now', { clusterId: props.clusterId, state: cluster?.State ?? 'not found' });
    return { PhysicalResourceId: physicalId(props.clusterId) };
  }
  const req = issueRequest(event, props);
  const certificateArn = await issueCertificate(req, csr);
  log(event, 'IssueCertificate', { clusterId: props.clusterId, certificateArn });
  const issued = await issuedSoon(req, certificateArn);
  log(event, issued ? 'the certificate is issued' : 'the certificate is not issued yet; the polls read it', { certificateArn });
  return { PhysicalResourceId: pendingId(props.clusterId, certificateArn, csr) };
}

/** Pauses between onEvent's reads of the certificate it issued: Private CA issues within seconds, as a rule. */
export const ISSUE_WAIT_PAUSES_MS = [1_000, 2_000, 3_000];

/**
 * Whether the certificate is issued within a few seconds. onEvent waits for it so that the first
 * poll, which follows at once, initializes the cluster instead of finding the certificate still being
 * issued and leaving it to the next poll, one query interval later. Reading only: a read that fails
 * ends the wait, and the polls read again (and report what fails).
 */
async function issuedSoon(req: IssueRequest, certificateArn: string): Promise<boolean> {
  for (const pause of [0, ...ISSUE_WAIT_PAUSES_MS]) {
    if (pause > 0) await sleep(pause);
    try {
      if (await readCertificate(req.label, req.caArn, certificateArn)) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/** How long isComplete waits, within one invocation, for a certificate it had to issue itself (Lambda time-out: 2 min). */
export const LATE_ISSUE_WAIT_MS = 60_000;
const LATE_ISSUE_POLL_MS = 3_000;

/**
 * Fallback for a CSR that was not there when onEvent ran. isComplete cannot hand a certificate ARN
 * to its next poll, so it issues the certificate and waits for it within this one invocation. A CA
 * slower than that fails the resource: issuing again on a later poll could, once the idempotency
 * token has expired (5 minutes), make a second certificate.
 */
async function issueLate(event: ResourceEvent, props: InitializationProperties, csr: string, tokenSalt?: string): Promise<string> {
  const req = { ...issueRequest(event, props), tokenSalt };
  const certificateArn = await issueCertificate(req, csr);
  log(event, 'IssueCertificate (the CSR was not there when onEvent ran)', { clusterId: props.clusterId, certificateArn });
  for (let waited = 0; ; waited += LATE_ISSUE_POLL_MS) {
    const cert = await readCertificate(req.label, req.caArn, certificateArn);
    if (cert) return cert;
    if (waited >= LATE_ISSUE_WAIT_MS) break;
    await sleep(LATE_ISSUE_POLL_MS);
  }
  throw new Error(`${req.label}: AWS Private CA did not issue certificate ${certificateArn} within ${LATE_ISSUE_WAIT_MS / 1000} s. `
    + 'The cluster had no CSR when this request began, so the certificate could only be awaited within one poll; '
    + 'to issue no second certificate the initialization stops here. Deploy again: the CSR is there now.');
}

/** The certificates for InitializeCluster, or undefined while the Private CA is still issuing. */
async function certificatesFor(event: ResourceEvent, props: InitializationProperties, csr: string)
  : Promise<{ signedCert: string; trustAnchor: string } | undefined> {
  const caArn = props.certificateAuthorityArn;
  if (!caArn) return { signedCert: props.signedCert!, trustAnchor: props.trustAnchor! };
  const who = label(event, props.clusterId);
  const pending = parsePendingId(event.PhysicalResourceId);
  let signedCert: string | undefined;
  if (pending?.csrDigest !== undefined && pending.csrDigest !== csrDigest(csr)) {
    // The cluster's first HSM was replaced after onEvent issued the certificate: a new cluster key and
    // CSR (see hsm-eni.ts). The certificate would not fit; the current CSR is signed instead.
    log(event, 'the cluster CSR changed since the certificate was issued (the service replaced the first HSM); signing the current CSR',
      { clusterId: props.clusterId, certificateArn: pending.certificateArn });
    signedCert = await issueLate(event, props, csr, csrDigest(csr));
  } else if (pending) {
    signedCert = await readCertificate(who, caArn, pending.certificateArn);
    if (!signedCert) {
      log(event, 'waiting for the Private CA to issue the cluster certificate', { certificateArn: pending.certificateArn });
      return undefined;
    }
  } else {
    signedCert = await issueLate(event, props, csr);
  }
  return { signedCert, trustAnchor: await trustAnchorOf(who, caArn) };
}

async function step(event: ResourceEvent, props: InitializationProperties): Promise<IsCompleteResponse> {
  const cluster = await describeCluster(props.clusterId);
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') {
    throw new Error(`${label(event, props.clusterId)}: the cluster does not exist (or is being deleted)`);
  }
  const state = cluster.State ?? '';
  if (state === 'INITIALIZED' || state === 'ACTIVE') return done(cluster, props.clusterId);
  if (state === 'INITIALIZE_IN_PROGRESS' || TRANSITIONAL_STATES.has(state)) return NOT_COMPLETE;
  if (state !== 'UNINITIALIZED') {
    throw new Error(`${label(event, props.clusterId)}: the cluster is ${state}: ${cluster.StateMessage ?? 'no state message'}`);
  }
  const csr = cluster.Certificates?.ClusterCsr;
  if (!csr) {
    log(event, 'waiting for the cluster CSR (it appears with the first HSM)', { clusterId: props.clusterId });
    return NOT_COMPLETE;
  }
  const certs = await certificatesFor(event, props, csr);
  if (!certs) return NOT_COMPLETE;
  try {
    await cloudHsm().send(new InitializeClusterCommand({
      ClusterId: props.clusterId, SignedCert: certs.signedCert, TrustAnchor: certs.trustAnchor,
    }));
    log(event, 'InitializeCluster', { clusterId: props.clusterId });
  } catch (err) {
    // Another waiter execution of this request (a duplicated onEvent starts one each), or an earlier
    // attempt whose answer was lost, may have initialized the cluster a moment ago: look before failing.
    const now = isInvalidRequest(err) ? await describeCluster(props.clusterId) : undefined;
    if (INITIALIZING_OR_DONE.has(now?.State ?? '')) {
      log(event, 'the cluster is already being initialized (by another attempt of this request)', { clusterId: props.clusterId });
      return NOT_COMPLETE;
    }
    const replaced = now && !props.certificateAuthorityArn ? firstHsmReplaced(now, props.firstHsm) : undefined;
    if (replaced) throw new Error(`${label(event, props.clusterId)}: ${replacedFirstHsmAdvice(props.clusterId, replaced, messageOf(err))}`);
    throw new Error(`${label(event, props.clusterId)}: InitializeCluster failed: ${messageOf(err)}`);
  }
  return NOT_COMPLETE;
}

const INITIALIZING_OR_DONE = new Set(['INITIALIZE_IN_PROGRESS', 'INITIALIZED', 'ACTIVE']);

/** How the first HSM was replaced, when the service replaced it (known from its resource's physical id). */
function firstHsmReplaced(cluster: Cluster, firstHsm: string | undefined): { oldHsmId: string; newHsmId: string; eniId: string } | undefined {
  const ref = parseHsmPhysicalId(firstHsm);
  if (!ref) return undefined;
  const now = locateHsm(cluster, ref, {});
  if (now) return replacementOf(ref, now);
  // An id of an earlier version (no ENI): its HSM is gone, another is there.
  const other = cluster.Hsms?.[0];
  return other?.HsmId ? { oldHsmId: ref.createdHsmId, newHsmId: other.HsmId, eniId: other.EniId ?? '' } : undefined;
}

/** What to do when a certificate signed for the CSR of a first HSM the service since replaced is refused. */
function replacedFirstHsmAdvice(clusterId: string, r: { oldHsmId: string; newHsmId: string; eniId: string }, refusal: string): string {
  return `InitializeCluster refused the signed certificate (${refusal}). The service replaced the cluster's first HSM `
    + `before initialization (${r.oldHsmId} -> ${r.newHsmId}${r.eniId ? ` on ${r.eniId}` : ''}), which gave the cluster a new key, `
    + 'so the CSR changed: the certificate was signed for the CSR of the replaced HSM. Sign the new CSR and deploy again with '
    + `that certificate. The new CSR: DescribeClusters, Certificates.ClusterCsr (aws cloudhsmv2 describe-clusters --filters clusterIds=${clusterId} `
    + '--query "Clusters[0].Certificates.ClusterCsr" --output text), or the first HSM\'s clusterCsr stack output once that HSM resource is updated.';
}

export const initializationHandler: ResourceHandler = {
  async onEvent(event): Promise<OnEventResponse> {
    if (event.RequestType === 'Delete') {
      // Initialization cannot be undone: deleting the resource leaves the cluster as it is. A create
      // that never finished leaves its certificate in the CA (it may already be the cluster's, so it is
      // not revoked); the log names it.
      const pending = parsePendingId(event.PhysicalResourceId);
      if (pending) log(event, 'initialization did not finish; its certificate stays in the CA', { ...pending });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    return begin(event, parseInitializationProperties(event.ResourceProperties));
  },

  async isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    return step(event, parseInitializationProperties(event.ResourceProperties));
  },
};
