import { invalidParameter } from "./common.js";

/**
 * Where an event sits in its group: timestamp first, then ingestion order.
 * Written as CloudWatch writes its pointers, 56 decimal digits: event ids,
 * sequence tokens and GetLogEvents' `f/<digits>/s` and `b/<digits>/s`.
 */
const SEQUENCE_SPACE = 10n ** 36n;
const DIGITS = 56;

export function eventKey(event: { timestamp: number; sequence: number }): bigint {
  return BigInt(event.timestamp) * SEQUENCE_SPACE + BigInt(event.sequence);
}

export function keyDigits(key: bigint): string {
  return key.toString().padStart(DIGITS, "0");
}

export type Direction = "f" | "b";

/**
 * GetLogEvents' tokens point between events: `f/K` reads the events after
 * key K, `b/K` the events before it. So `f/K` and `b/K+1` name the same gap.
 */
export function streamToken(direction: Direction, key: bigint): string {
  return `${direction}/${keyDigits(key < 0n ? 0n : key)}/s`;
}

export function parseStreamToken(token: string): { direction: Direction; key: bigint } {
  const match = /^([fb])\/(\d{1,56})\/s$/.exec(token);
  if (!match) throw invalidParameter("The specified nextToken is invalid.");
  return { direction: match[1] as Direction, key: BigInt(match[2]!) };
}
