/**
 * IPv6 blocks as EC2 needs them: parse (host bits dropped, as EC2
 * canonicalises IPv6 CIDRs too), format in RFC 5952's form (lower case, the
 * longest run of zero groups as `::`), contain and overlap.
 */
export interface Block6 {
  base: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

function parseGroups(text: string): number[] | undefined {
  if (text === "") return [];
  const groups = text.split(":");
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

/** `2600:1f18:12:3400::` → its 128-bit value; undefined when malformed (no embedded IPv4 form). */
export function parseAddress6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.reduce((value, g) => (value << 16n) | BigInt(g), 0n);
}

export function formatAddress6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

/** `2600:1f18::/56` → its block, host bits dropped; undefined when malformed. */
export function parseBlock6(text: string): Block6 | undefined {
  const match = /^([0-9a-fA-F:]+)\/([0-9]{1,3})$/.exec(text);
  if (!match) return undefined;
  const address = parseAddress6(match[1]!);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 128) return undefined;
  const hostMask = ALL >> BigInt(prefix);
  return { base: address & ~hostMask & ALL, prefix };
}

export function formatBlock6(block: Block6): string {
  return `${formatAddress6(block.base)}/${block.prefix}`;
}

function last(block: Block6): bigint {
  return block.base | (ALL >> BigInt(block.prefix));
}

export function containsBlock6(outer: Block6, inner: Block6): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && last(inner) <= last(outer);
}

export function overlaps6(a: Block6, b: Block6): boolean {
  return a.base <= last(b) && b.base <= last(a);
}
