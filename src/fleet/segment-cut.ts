// Cutting segments out of an hour's part with DuckDB, for ship: time windows of the open
// hour (from a snapshot of its CSV files) and a part's closing segment (from its Parquet
// files once the hour closed), each written to the spool as Parquet with host and service
// columns, ready to upload.
//
// Which rows a segment holds, so that every row of a part ships exactly once:
// - samples, rounds, lathist (timed tables): rows whose timestamp is in the window
//   [from, to). A window is cut only once the capture wrote a round at or after its end,
//   and a round's rows are on disk before its rounds row, so the window is complete.
// - completions and dictionaries (syscend, iorqend, kstacks, ustacks, cgroups, devices): what is
//   on disk now EXCEPT ALL what earlier segments of the part took (their kept copies):
//   a completion is written when the call ends, long after its window perhaps, and a
//   dictionary entry once per part, before the first row that uses it. A snapshot copied
//   from a mark (csv-snapshot.ts) holds only such rows already: no EXCEPT ALL for it.
// - the closing segment: the part's files EXCEPT ALL every earlier segment of it, for every
//   table (this also takes a round written late, after a full disk, into an earlier window).
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { PARQUET_OPTIONS } from "../store/convert.js";
import type { PartitionFile } from "../store/files.js";
import { TABLES, type TableName } from "../store/schema.js";
import { sqlString } from "../store/sql-text.js";
import type { DEVICES } from "./devices.js";

/** Tables whose rows carry the round's time and are cut by window. */
export const TIMED: ReadonlySet<string> = new Set(
  Object.entries(TABLES)
    .filter(([, t]) => t.columns.some((c) => c.name === "timestamp"))
    .map(([n]) => n),
);

/** A table of a segment: the capture's, or the host's devices (devices.ts). */
export type SegmentTable = TableName | typeof DEVICES;

/** One table's rows in a part: the SQL source to read them. */
export type PartSources = Map<SegmentTable, string>;

/** A closed part's Parquet files as sources. */
export function parquetSources(dir: string, files: PartitionFile[]): PartSources {
  return new Map(files.map((f) => [f.table, `read_parquet(${sqlString(join(dir, f.name))})`]));
}

/** The part's identity: its first round's time in µs (the same from its CSV or its Parquet). */
export async function partKeyOf(conn: DuckDBConnection, src: PartSources): Promise<string | null> {
  const rounds = src.get("rounds");
  if (!rounds) return null;
  const r = await conn.runAndReadAll(`SELECT epoch_us(min(timestamp))::BIGINT AS t FROM ${rounds}`);
  const row = r.getRowObjectsJS()[0];
  return row?.t === null || row?.t === undefined ? null : String(row.t);
}

/** The newest round's time (µs) of a part's source. */
export async function lastRoundUs(conn: DuckDBConnection, src: PartSources): Promise<number | null> {
  const rounds = src.get("rounds");
  if (!rounds) return null;
  const r = await conn.runAndReadAll(`SELECT epoch_us(max(timestamp))::BIGINT AS t FROM ${rounds}`);
  const t = r.getRowObjectsJS()[0]?.t;
  return t === null || t === undefined ? null : Number(t);
}

export interface CutRequest {
  src: PartSources;
  /** Kept copies of the part's earlier segments, per table. */
  kept: Map<string, string[]>;
  /** The window, or null for the closing segment (everything not taken yet). */
  window: { fromUs: number; toUs: number } | null;
  host: string;
  service: string;
  /** Where the table files go (`<table>.parquet`); emptied first. */
  outDir: string;
}

export interface CutTable {
  table: SegmentTable;
  path: string;
  rows: number;
}

/** The rows SQL of one table of a segment (see the head of this file). */
export function segmentRowsSql(
  table: SegmentTable,
  src: string,
  kept: string[],
  window: { fromUs: number; toUs: number } | null,
): string {
  let sql = `SELECT * FROM ${src}`;
  if (window && TIMED.has(table))
    return `${sql} WHERE epoch_us(timestamp) >= ${Math.trunc(window.fromUs)} AND epoch_us(timestamp) < ${Math.trunc(window.toUs)}`;
  if (kept.length > 0)
    sql = `(${sql}) EXCEPT ALL (SELECT * EXCLUDE (host, service) FROM read_parquet([${kept.map(sqlString).join(", ")}]))`;
  return sql;
}

/** Write a segment's tables (rows > 0 only) with host and service columns. */
export async function cutSegment(conn: DuckDBConnection, q: CutRequest): Promise<CutTable[]> {
  rmSync(q.outDir, { recursive: true, force: true });
  mkdirSync(q.outDir, { recursive: true, mode: 0o700 });
  const out: CutTable[] = [];
  for (const [table, src] of q.src) {
    const path = join(q.outDir, `${table}.parquet`);
    const rows = segmentRowsSql(table, src, q.kept.get(table) ?? [], q.window);
    // host and service are checked names (fleet-target.ts), quoted as literals: COPY takes no parameters.
    await conn.run(
      `COPY (SELECT *, ${sqlString(q.host)} AS host, ${sqlString(q.service)} AS service FROM (${rows})) TO ${sqlString(path)} (${PARQUET_OPTIONS})`,
    );
    const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(path)})`);
    const n = Number(r.getRowObjectsJS()[0]?.n ?? 0);
    if (n === 0) rmSync(path);
    else out.push({ table, path, rows: n });
  }
  return out;
}

/** 16 hex of SHA-256 over the part's key and the segment's files, in table order. */
export function contentHash(partKey: string, files: { table: string; path: string }[]): string {
  const h = createHash("sha256").update(`${partKey}\0`);
  for (const f of [...files].sort((a, b) => (a.table < b.table ? -1 : 1))) {
    h.update(`${f.table}\0`);
    h.update(createHash("sha256").update(readFileSync(f.path)).digest());
  }
  return h.digest("hex").slice(0, 16);
}

/** Move a cut's files to their final names `<dir>/<segment>.<table>.parquet`. */
export function placeCut(cut: CutTable[], dir: string, segment: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const t of cut) {
    const dest = join(dir, `${segment}.${t.table}.parquet`);
    renameSync(t.path, dest);
    t.path = dest;
  }
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd); // the renames reach the disk before the ledger's cut line names them
  } finally {
    closeSync(fd);
  }
}
