/** IPv4 arithmetic for the session network: dotted quads, CIDR blocks, offsets. */

export function toInt(address: string): number {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function toDotted(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export interface Block {
  base: number;
  prefix: number;
}

export function parseCidr(cidr: string): Block {
  const [address, bits] = cidr.split("/");
  const prefix = Number(bits ?? 32);
  const size = 2 ** (32 - prefix);
  const value = toInt(address!);
  return { base: value - (value % size), prefix };
}

/** The address `offset` places into the block: base+1 is the VPC router, base+2 its resolver, as in AWS. */
export function nth(cidr: string, offset: number): string {
  return toDotted(parseCidr(cidr).base + offset);
}

export function contains(cidr: string, address: string): boolean {
  const { base, prefix } = parseCidr(cidr);
  const value = toInt(address);
  return value >= base && value < base + 2 ** (32 - prefix);
}
