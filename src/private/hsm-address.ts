// The address of an HSM's network interface when the user gave none. HSMs carry no tags, so the
// address is what tells an HSM resource its own HSM among several created at the same moment; it
// must therefore follow from the resource alone (every delivery of one request picks the same one)
// and never be a sibling's.
//
// Each HSM of a cluster in a stack has a slot (0, 1, 2, ... in declaration order). Slot s owns the
// addresses last - s, last - s - STRIDE, last - s - 2*STRIDE, ... of its subnet (last = the subnet's
// last usable address): disjoint for different slots, because STRIDE exceeds the HSMs a cluster can
// have. Counting down from the top keeps away from the low addresses that EC2 tends to hand out
// and people assign by hand. The handler takes the first of them that no HSM in the VPC holds.

/** More than the HSMs one cluster can hold (the CloudHSM quota is 28 per cluster). */
export const SLOT_STRIDE = 32;

function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function numberToIp(value: number): string {
  const octets: number[] = [];
  for (let i = 0, rest = value; i < 4; i++, rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return octets.join('.');
}

/**
 * The usable addresses of an IPv4 CIDR block: AWS reserves the first four and the last one.
 * Undefined when the block is not an IPv4 CIDR of /16 to /28 (the sizes a VPC subnet can have).
 */
export function usableAddresses(cidr: string): { first: number; last: number } | undefined {
  const [base, bits] = cidr.split('/');
  const baseNum = ipToNumber(base ?? '');
  const prefix = Number(bits);
  if (baseNum === undefined || !Number.isInteger(prefix) || prefix < 16 || prefix > 28) return undefined;
  const size = 2 ** (32 - prefix);
  const network = baseNum - (baseNum % size);
  return { first: network + 4, last: network + size - 2 };
}

/** The addresses slot `slot` owns in `cidr`, best first; empty when the subnet has none for it. */
export function slotAddresses(cidr: string, slot: number): string[] {
  const range = usableAddresses(cidr);
  if (!range || !Number.isInteger(slot) || slot < 0 || slot >= SLOT_STRIDE) return [];
  const out: string[] = [];
  for (let a = range.last - slot; a >= range.first; a -= SLOT_STRIDE) out.push(numberToIp(a));
  return out;
}
