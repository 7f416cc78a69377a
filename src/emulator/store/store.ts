/** Every resource lives in one account and region; global services (IAM) use GLOBAL_REGION. */
export interface Scope {
  account: string;
  region: string;
}

export const GLOBAL_REGION = "aws-global";

/**
 * The emulator's state. Each mutating operation runs inside one
 * `transaction`: a thrown error rolls back everything it wrote, so a
 * failed call leaves no half-made resource, and a returned call is durable.
 */
export interface Store {
  transaction<T>(fn: () => T): T;
  get<T>(kind: string, scope: Scope, id: string): T | undefined;
  put<T>(kind: string, scope: Scope, id: string, value: T): void;
  delete(kind: string, scope: Scope, id: string): boolean;
  /** Resources of a kind in a scope, oldest first. */
  list<T>(kind: string, scope: Scope): T[];
  /** Resources of a kind across every scope (for the service side: sessions, reaping). */
  listAll<T>(kind: string): Array<{ scope: Scope; id: string; value: T }>;
  /** Deletes every resource whose kind starts with one of `kindPrefixes` (every resource when unset); returns how many. */
  clear(kindPrefixes?: readonly string[]): number;
  close(): void;
}
