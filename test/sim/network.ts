// What the simulator knows about subnets. CloudHSM needs each subnet's Availability Zone
// and VPC (one subnet per AZ, all in one VPC) and its CIDR (HSM IP addresses). Without an
// EC2 to ask, a subnet is either registered by a test or derived from its id:
//   value  = the id's hex digits read as a number
//   AZ     = region + 'a' | 'b' | 'c' by value mod 3 (so ids differing by 1 in the last
//            digit land in neighbouring AZs: subnet-...0 -> a, ...1 -> b, ...2 -> c)
//   VPC    = vpc-0a1b2c3d
//   CIDR   = 10.0.N.0/24 with N = value mod 256

import { SubnetInfo } from './types';

export const DEFAULT_VPC_ID = 'vpc-0a1b2c3d';

export function deriveSubnet(region: string, subnetId: string): SubnetInfo {
  const hex = subnetId.replace(/^subnet-/, '');
  const value = /^[0-9a-fA-F]+$/.test(hex) ? BigInt(`0x${hex}`) : 0n;
  const az = `${region}${'abc'[Number(value % 3n)]}`;
  const n = Number(value % 256n);
  return { subnetId, az, vpcId: DEFAULT_VPC_ID, cidr: `10.0.${n}.0/24` };
}

/** Parses a dotted IPv4 address; undefined when an octet is out of range. */
export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  const octets: number[] = [];
  let rest = value;
  for (let i = 0; i < 4; i++) {
    octets.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return octets.join('.');
}

export interface CidrRange {
  readonly network: number;
  readonly size: number;
}

export function parseCidr(cidr: string): CidrRange {
  const [ip, bits] = cidr.split('/');
  const base = parseIpv4(ip);
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 16 || prefix > 28) {
    throw new Error(`Invalid subnet CIDR '${cidr}' (expected a.b.c.d/16..28)`);
  }
  const size = 2 ** (32 - prefix);
  return { network: base - (base % size), size };
}

/**
 * The addresses of a subnet an HSM may use: AWS reserves the first four addresses and
 * the last one of every subnet.
 */
export function usableRange(cidr: string): { first: number; last: number } {
  const { network, size } = parseCidr(cidr);
  return { first: network + 4, last: network + size - 2 };
}
