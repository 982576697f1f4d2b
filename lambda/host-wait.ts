/**
 * The bound on a request's wait for its admin host to be Online in SSM. The start of the wait is
 * the time onEvent ran, carried in the pending physical id it returns (`<id>:since:<epoch seconds>`),
 * as the other pending ids carry their request's state: every poll of the request reads the same
 * start, and nothing is kept on the host or between invocations.
 */

/**
 * 15 minutes. An EC2 instance with the SSM agent (Amazon Linux 2023) is normally Online 1 to 3
 * minutes after launch; the host resource is complete once the instance runs, so the wait starts
 * at most a boot earlier. Five times the usual figure leaves room for a slow boot or a throttled
 * agent, and still fails well inside the Provider's total timeout (50 minutes by default) with a
 * message that says why, instead of the framework's generic time-out.
 */
export const HOST_ONLINE_BOUND_MS = 15 * 60_000;

const SINCE = ':since:';

/** `id` with the request's start (now, by default) appended: the physical id while the request runs. */
export function withRequestStart(id: string, sinceMs = Date.now()): string {
  return `${id}${SINCE}${Math.floor(sinceMs / 1000)}`;
}

/** The id without its start, and the start (undefined for an id that carries none). */
export function requestStartOf(physicalId: string | undefined): { readonly id: string | undefined; readonly sinceMs?: number } {
  const at = physicalId?.lastIndexOf(SINCE) ?? -1;
  const since = at < 0 ? '' : physicalId!.slice(at + SINCE.length);
  if (!/^\d+$/.test(since)) return { id: physicalId };
  return { id: physicalId!.slice(0, at), sinceMs: Number(since) * 1000 };
}

/** What SSM says of an instance it does not know (DescribeInstanceInformation lists nothing for it). */
export const NOT_REGISTERED = 'not registered with SSM yet';

/**
 * The error for a host that is not Online in SSM once the bound is over: the resource (`who`), what
 * waited (`what`), the instance, its last PingStatus, and the usual causes with what to do about each.
 */
export function hostOfflineError(who: string, what: string, instanceId: string, pingStatus: string, waitedMs: number): Error {
  const status = pingStatus === NOT_REGISTERED ? 'it never registered with SSM' : `its last SSM PingStatus is ${pingStatus}`;
  return new Error(`${who}: ${what}: the admin host ${instanceId} is not online in SSM after ${Math.round(waitedMs / 60_000)} minutes `
    + `(${status}). Likely causes: (1) the host's subnet has no route out (no NAT gateway) and the VPC has no endpoints for ssm, `
    + 'ssmmessages, ec2messages and secretsmanager (and the S3 gateway endpoint for the CLI package): set createVpcEndpoints '
    + '(or existingVpcEndpoints / vpcEndpointsExist for endpoints the VPC has) on the HsmAdminHost, or give the subnet a route '
    + 'through a NAT gateway; (2) the host\'s security group does not allow outbound HTTPS (TCP 443); (3) the host\'s instance '
    + 'profile lacks the AmazonSSMManagedInstanceCore policy. Fix the cause and deploy again.');
}
