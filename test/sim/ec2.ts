// The two EC2 queries the cluster handler makes before CreateCluster (the early Availability Zone
// check, lambda/availability-zones.ts): DescribeSubnets and DescribeVpcEndpointServices. EC2 speaks
// the query protocol (form-encoded request, XML response, API version 2016-11-15), not JSON, so it
// has its own small path here. Subnets come from the simulator's own subnet table (test/sim/network.ts);
// the CloudHSM endpoint service (com.amazonaws.<region>.cloudhsmv2) is offered in the region's
// a, b and c zones unless a test says otherwise (setCloudHsmZones).

import { CloudHsmSimulator } from './simulator';

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** Zones where CloudHSM is offered, per simulator and region; absent: a, b and c of the region. */
const zonesBySim = new WeakMap<CloudHsmSimulator, Map<string, string[] | null>>();

/**
 * Where the region's CloudHSM endpoint service is offered. `null`: the region has no CloudHSM
 * endpoint service at all (DescribeVpcEndpointServices answers InvalidServiceName).
 */
export function setCloudHsmZones(sim: CloudHsmSimulator, region: string, zones: string[] | null): void {
  let byRegion = zonesBySim.get(sim);
  if (!byRegion) zonesBySim.set(sim, byRegion = new Map());
  byRegion.set(region, zones);
}

function cloudHsmZones(sim: CloudHsmSimulator, region: string): string[] | null {
  const set = zonesBySim.get(sim)?.get(region);
  return set === undefined ? ['a', 'b', 'c'].map((z) => `${region}${z}`) : set;
}

/** An EC2 error: the query protocol's <Response><Errors><Error> document. */
export class Ec2Error extends Error {
  constructor(public readonly code: string, message: string, public readonly status = 400) {
    super(message);
  }
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const items = (values: string[]) => values.map((v) => `<item>${v}</item>`).join('');

/** `Name.1`, `Name.2`, ...: a list member of the query protocol. */
function listParam(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${name}.${i}`); i++) out.push(params.get(`${name}.${i}`)!);
  return out;
}

function describeSubnets(sim: CloudHsmSimulator, region: string, params: URLSearchParams): string {
  const ids = listParam(params, 'SubnetId');
  if (ids.length === 0) throw new Ec2Error('InvalidParameterCombination', 'this simulator answers DescribeSubnets by SubnetId only');
  const bad = ids.find((id) => !/^subnet-[0-9a-f]{8,17}$/.test(id));
  if (bad) throw new Ec2Error('InvalidSubnetID.Malformed', `Invalid id: "${bad}"`);
  const subnets = ids.map((id) => sim.subnetInfo(region, id));
  const body = subnets.map((s) => `<item><subnetId>${escape(s.subnetId)}</subnetId><availabilityZone>${escape(s.az)}</availabilityZone>`
    + `<vpcId>${escape(s.vpcId)}</vpcId><cidrBlock>${escape(s.cidr)}</cidrBlock><state>available</state></item>`).join('');
  return `<subnetSet>${body}</subnetSet>`;
}

function describeVpcEndpointServices(sim: CloudHsmSimulator, region: string, params: URLSearchParams): string {
  const names = listParam(params, 'ServiceName');
  const cloudHsm = `com.amazonaws.${region}.cloudhsmv2`;
  const unknown = names.find((n) => n !== cloudHsm);
  const zones = cloudHsmZones(sim, region);
  if (unknown || zones === null) {
    throw new Ec2Error('InvalidServiceName', `The Vpc Endpoint Service '${unknown ?? cloudHsm}' does not exist`);
  }
  return `<serviceNameSet>${items([cloudHsm])}</serviceNameSet><serviceDetailSet><item><serviceName>${cloudHsm}</serviceName>`
    + `<serviceType><item><serviceType>Interface</serviceType></item></serviceType><availabilityZoneSet>${items(zones)}</availabilityZoneSet>`
    + '<owner>amazon</owner></item></serviceDetailSet>';
}

const OPERATIONS: Record<string, (sim: CloudHsmSimulator, region: string, params: URLSearchParams) => string> = {
  DescribeSubnets: describeSubnets,
  DescribeVpcEndpointServices: describeVpcEndpointServices,
};

/** The EC2 operations the simulator serves. */
export const EC2_OPERATIONS = Object.keys(OPERATIONS);

/** A query-protocol request body is one: `Action=...&Version=...`. */
export function isEc2Request(contentType: string | undefined, body: string): boolean {
  return (contentType ?? '').startsWith('application/x-www-form-urlencoded') && /(^|&)Action=/.test(body);
}

/** Answers one EC2 request: status and XML body. The call is counted in the simulator's call log. */
export function handleEc2(sim: CloudHsmSimulator, region: string, body: string): { status: number; xml: string } {
  const params = new URLSearchParams(body);
  const action = params.get('Action') ?? '';
  try {
    const op = OPERATIONS[action];
    if (!op) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
    if (params.get('Version') !== '2016-11-15') throw new Ec2Error('InvalidParameterValue', `Version ${params.get('Version')} is not 2016-11-15`);
    const inner = op(sim, region, params);
    return { status: 200, xml: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}"><requestId>00000000-0000-0000-0000-000000000000</requestId>${inner}</${action}Response>` };
  } catch (e) {
    const err = e instanceof Ec2Error ? e : new Ec2Error('InvalidParameterValue', (e as Error).message);
    return {
      status: err.status,
      xml: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escape(err.code)}</Code><Message>${escape(err.message)}</Message></Error></Errors>`
        + '<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>',
    };
  }
}
