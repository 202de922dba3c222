// The one place that talks to DuckDB: open an in-memory database, run SQL with bound
// parameters, return plain JS rows (bigint → number when safe, timestamps → text).
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from "@duckdb/node-api";

export type Params = Record<string, string | number | boolean | null>;
export type Row = Record<string, unknown>;

export class Duck {
  private constructor(
    private readonly db: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(): Promise<Duck> {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    return new Duck(db, await db.connect());
  }

  async all(sql: string, params: Params = {}): Promise<Row[]> {
    const values = params as Record<string, DuckDBValue>;
    const reader =
      Object.keys(params).length > 0
        ? await this.conn.runAndReadAll(sql, values)
        : await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS().map(plainRow);
  }

  async run(sql: string, params: Params = {}): Promise<void> {
    if (Object.keys(params).length > 0) await this.conn.run(sql, params as Record<string, DuckDBValue>);
    else await this.conn.run(sql);
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }
}

export function plainValue(v: unknown): unknown {
  if (typeof v === "bigint")
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
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
