// The one place that talks to DuckDB: open an in-memory database, run SQL with bound
// parameters, return plain JS rows (bigint → number when safe, timestamps → text).
// Extensions are never installed or loaded on demand; `lockDown` then confines the
// database to the capture files it was opened for (no other file, network, extension
// or setting access) before any text a user typed runs.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBPreparedStatement,
  DuckDBValue,
} from "@duckdb/node-api";
import { plainBigint } from "../platform/values.js";
import { sqlString } from "../store/sql-text.js";

export type Params = Record<string, string | number | boolean | null>;
export type Row = Record<string, unknown>;

/** Prepared statements kept per connection (Duck.prepared). */
const PREPARED_KEPT = 32;

export class Duck {
  private tempDir: string | null = null;
  private readonly statements = new Map<string, DuckDBPreparedStatement>();
  private readonly busy = new Set<string>();

  private constructor(
    private readonly db: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  /**
   * `threads`: DuckDB's worker threads (default: one per CPU). A live view re-reads a few
   * minutes of data every second: one thread does it for about half the CPU.
   */
  static async open(o: { threads?: number } = {}): Promise<Duck> {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      ...(o.threads ? { threads: String(o.threads) } : {}),
    });
    return new Duck(db, await db.connect());
  }

  async all(sql: string, params: Params = {}): Promise<Row[]> {
    const values = params as Record<string, DuckDBValue>;
    const prepared = await this.prepared(sql);
    if (prepared) {
      this.busy.add(sql);
      try {
        if (Object.keys(params).length > 0) prepared.bind(values);
        else prepared.clearBindings();
        return (await prepared.runAndReadAll()).getRowObjectsJS().map(plainRow);
      } finally {
        this.busy.delete(sql);
      }
    }
    const reader =
      Object.keys(params).length > 0
        ? await this.conn.runAndReadAll(sql, values)
        : await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS().map(plainRow);
  }

  /**
   * The statement of `sql` prepared once and kept (the last PREPARED_KEPT texts): a view
   * refreshed every second runs the same few texts, and DuckDB's binding of the views over
   * the files costs more than running them on minutes of data (bench/ui-live-cost.js).
   * Null when `sql` is running already (its bindings are in use) or does not prepare as
   * one statement: then it runs as before.
   */
  private async prepared(sql: string): Promise<DuckDBPreparedStatement | null> {
    if (this.busy.has(sql)) return null;
    const kept = this.statements.get(sql);
    if (kept) {
      this.statements.delete(sql); // most recently used last
      this.statements.set(sql, kept);
      return kept;
    }
    let st: DuckDBPreparedStatement;
    try {
      st = await this.conn.prepare(sql);
    } catch {
      return null; // several statements, or an error the plain run reports as it always did
    }
    this.statements.set(sql, st);
    for (const [old, s] of this.statements) {
      if (this.statements.size <= PREPARED_KEPT) break;
      if (this.busy.has(old)) continue;
      s.destroySync();
      this.statements.delete(old);
    }
    return st;
  }

  async run(sql: string, params: Params = {}): Promise<void> {
    if (Object.keys(params).length > 0) await this.conn.run(sql, params as Record<string, DuckDBValue>);
    else await this.conn.run(sql);
  }

  /**
   * From now on only `paths` can be read (the capture files the views were made over);
   * nothing can be written, attached, installed, loaded or fetched, and no setting can
   * change (DuckDB's own enable_external_access, allowed_paths and lock_configuration).
   */
  async lockDown(paths: string[]): Promise<void> {
    const list = `[${paths.map(sqlString).join(", ")}]`;
    await this.conn.run(`SET allowed_paths = ${paths.length ? list : "[]"}`);
    await this.conn.run("SET allowed_directories = []");
    await this.conn.run("SET enable_external_access = false");
    await this.conn.run("SET lock_configuration = true");
  }

  /** A private (0700) directory removed at close(), for files made while reading. */
  privateTempDir(): string {
    this.tempDir ??= mkdtempSync(join(tmpdir(), "tsnap-query-"));
    return this.tempDir;
  }

  close(): void {
    for (const st of this.statements.values()) st.destroySync();
    this.statements.clear();
    this.conn.closeSync();
    this.db.closeSync();
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }
}

export function plainValue(v: unknown): unknown {
  if (typeof v === "bigint") return plainBigint(v);
  if (v instanceof Date) return v.toISOString().replace("T", " ").replace("Z", "");
  if (Array.isArray(v)) return v.map(plainValue);
  return v;
}

function plainRow(r: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(r)) out[k] = plainValue(v);
  return out;
}

/** The first line of a DuckDB error message, without its "X Error: " prefix. */
export function duckMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0].replace(/^[A-Za-z ]+ Error: /, "");
}
