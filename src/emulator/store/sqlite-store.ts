import { join } from "node:path";
import Database from "better-sqlite3";
import { ensurePrivateFile, tightenIfPresent } from "../../util/private-files.js";
import { ensureStateDir, STATE_DATABASE } from "./state-dir.js";
import type { Scope, Store } from "./store.js";

interface Row {
  account: string;
  region: string;
  id: string;
  value: string;
}

/**
 * The Store on SQLite: in memory by default, or a file under `stateDir`.
 * WAL with synchronous=FULL makes a committed transaction survive a kill -9
 * (and a power cut); SQLite's atomic commit means a killed write never half-lands.
 * The state holds environment variable values: the directory is 0700 and
 * every file in it 0600 (SQLite gives its -wal, -shm and -journal files the
 * database file's mode).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(stateDir?: string) {
    const file = stateDir ? join(stateDir, STATE_DATABASE) : undefined;
    if (stateDir && file) {
      ensureStateDir(stateDir);
      ensurePrivateFile(file);
      for (const suffix of ["-wal", "-shm", "-journal"]) tightenIfPresent(`${file}${suffix}`);
    }
    this.db = new Database(file ?? ":memory:");
    if (stateDir) {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS resources (
      kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
      seq INTEGER NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (kind, account, region, id)
    ) WITHOUT ROWID`);
    this.db.exec("CREATE TABLE IF NOT EXISTS sequence (next INTEGER NOT NULL)");
    if (!this.db.prepare("SELECT next FROM sequence").get()) this.db.exec("INSERT INTO sequence VALUES (1)");
    this.statements = {
      get: this.db.prepare<[string, string, string, string], Row>(
        "SELECT account, region, id, value FROM resources WHERE kind = ? AND account = ? AND region = ? AND id = ?",
      ),
      // An update keeps its place in creation order.
      put: this.db.prepare(
        `INSERT INTO resources (kind, account, region, id, seq, value) VALUES (?, ?, ?, ?, (SELECT next FROM sequence), ?)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET value = excluded.value`,
      ),
      bump: this.db.prepare("UPDATE sequence SET next = next + 1"),
      delete: this.db.prepare(
        "DELETE FROM resources WHERE kind = ? AND account = ? AND region = ? AND id = ?",
      ),
      list: this.db.prepare<[string, string, string], Row>(
        "SELECT account, region, id, value FROM resources WHERE kind = ? AND account = ? AND region = ? ORDER BY seq",
      ),
      clearAll: this.db.prepare("DELETE FROM resources"),
      clearPrefix: this.db.prepare("DELETE FROM resources WHERE substr(kind, 1, ?) = ?"),
      listAll: this.db.prepare<[string], Row>(
        "SELECT account, region, id, value FROM resources WHERE kind = ? ORDER BY seq",
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get<T>(kind: string, scope: Scope, id: string): T | undefined {
    const row = this.statements.get.get(kind, scope.account, scope.region, id);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  put<T>(kind: string, scope: Scope, id: string, value: T): void {
    this.statements.put.run(kind, scope.account, scope.region, id, JSON.stringify(value));
    this.statements.bump.run();
  }

  delete(kind: string, scope: Scope, id: string): boolean {
    return this.statements.delete.run(kind, scope.account, scope.region, id).changes > 0;
  }

  list<T>(kind: string, scope: Scope): T[] {
    return this.statements.list
      .all(kind, scope.account, scope.region)
      .map((row) => JSON.parse(row.value) as T);
  }

  listAll<T>(kind: string): Array<{ scope: Scope; id: string; value: T }> {
    return this.statements.listAll.all(kind).map((row) => ({
      scope: { account: row.account, region: row.region },
      id: row.id,
      value: JSON.parse(row.value) as T,
    }));
  }

  clear(kindPrefixes?: readonly string[]): number {
    if (!kindPrefixes) return this.statements.clearAll.run().changes;
    let changes = 0;
    for (const prefix of kindPrefixes)
      changes += this.statements.clearPrefix.run(prefix.length, prefix).changes;
    return changes;
  }

  close(): void {
    this.db.close();
  }
}
