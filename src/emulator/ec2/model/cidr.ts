/** IPv4 blocks as EC2 needs them: parse, contain, overlap, and enumerate a subnet's addresses. */
export interface Block {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseAddress(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * `10.0.0.0/16` → its block; undefined when malformed. Host bits are
 * dropped, as EC2 does: "We modify the specified CIDR block to its
 * canonical form; for example, if you specify 100.68.0.18/18, we modify it
 * to 100.68.0.0/18" (EC2 API reference: CreateVpc, CreateSubnet,
 * CreateRoute; IpRange for security-group rules). Callers store
 * `formatBlock` of the result, never the text they were given.
 */
export function parseBlock(text: string): Block | undefined {
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseAddress(match[1]!);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  const span = size({ base: 0, prefix });
  return { base: address - (address % span), prefix };
}

export function formatBlock(block: Block): string {
  return `${formatAddress(block.base)}/${block.prefix}`;
}

export function size(block: Block): number {
  return 2 ** (32 - block.prefix);
}

export function containsAddress(block: Block, address: number): boolean {
  return address >= block.base && address < block.base + size(block);
}

export function containsBlock(outer: Block, inner: Block): boolean {
  return inner.prefix >= outer.prefix && containsAddress(outer, inner.base);
}

export function overlaps(a: Block, b: Block): boolean {
  return containsAddress(a, b.base) || containsAddress(b, a.base);
}

/** AWS reserves the first four addresses of a subnet and its last. */
export const RESERVED_PER_SUBNET = 5;

export function isReserved(block: Block, address: number): boolean {
  return address < block.base + 4 || address === block.base + size(block) - 1;
}

/** The lowest address of the subnet that is neither reserved nor taken. */
export function firstFree(block: Block, taken: ReadonlySet<number>): number | undefined {
  for (let address = block.base + 4; address < block.base + size(block) - 1; address++) {
    if (!taken.has(address)) return address;
  }
  return undefined;
}
