// Cutting segments out of an hour's part with DuckDB, for ship: time windows of the open
// hour (from a snapshot of its CSV files) and a part's closing segment (from its Parquet
// files once the hour closed), each written to the spool as Parquet with host and service
// columns, ready to upload.
//
// Which rows a segment holds, so that every row of a part ships exactly once:
// - samples, rounds, lathist (timed tables): rows whose timestamp is in the window
//   [from, to). A window is cut only once the capture wrote a round at or after its end,
//   and a round's rows are on disk before its rounds row, so the window is complete.
// - completions and dictionaries (syscend, iorqend, kstacks, ustacks, cgroups): what is
//   on disk now EXCEPT ALL what earlier segments of the part took (their kept copies):
//   a completion is written when the call ends, long after its window perhaps, and a
//   dictionary entry once per part, before the first row that uses it.
// - the closing segment: the part's files EXCEPT ALL every earlier segment of it, for every
//   table (this also takes a round written late, after a full disk, into an earlier window).
import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { PARQUET_OPTIONS, tsnapCsvReader } from "../store/convert.js";
import type { PartitionFile } from "../store/files.js";
import { TABLES, type TableName } from "../store/schema.js";
import { sqlString } from "../store/sql-text.js";

/** Tables whose rows carry the round's time and are cut by window. */
export const TIMED: ReadonlySet<string> = new Set(
  Object.entries(TABLES)
    .filter(([, t]) => t.columns.some((c) => c.name === "timestamp"))
    .map(([n]) => n),
);

/** One table's rows in a part: the SQL source to read them. */
export type PartSources = Map<TableName, string>;

/**
 * Where a table's next snapshot may start: a byte offset into the CSV file with this inode
 * and these first bytes (an inode number may be reused by another file).
 */
export interface SnapMark {
  ino: number;
  head: string;
  from: number;
}

const HEAD_BYTES = 512;

/** One table's copy: where its data bytes came from in the capture's file. */
interface CopySpan {
  ino: number;
  head: string;
  /** Offset in the file of the copy's first data byte (0: a whole copy, header included). */
  start: number;
  /** Bytes of header line written before the data (0: a whole copy). */
  headerLen: number;
  /** Bytes of the copy kept (whole lines). */
  size: number;
  path: string;
}

export interface Snapshot {
  src: PartSources;
  /** Tables copied from a mark: their copies hold only rows no earlier segment took. */
  partial: Set<TableName>;
  spans: Map<TableName, CopySpan>;
  /** Bytes copied. */
  bytes: number;
}

/**
 * Copies of an open part's CSV files up to their last whole line, rounds first: every row
 * of a round in the copied rounds file is then in the other copies too (the writer puts
 * a round's rows on disk before its rounds row). The capture may append meanwhile; a torn
 * last line is left out. A table with a mark (nextMarks of the previous cut, same file)
 * is copied from there only, under its header line: a cut then reads the minutes since the
 * last one, not the whole hour so far.
 */
export function snapshotCsv(
  dir: string,
  files: PartitionFile[],
  snapDir: string,
  marks: ReadonlyMap<TableName, SnapMark> = new Map(),
): Snapshot {
  rmSync(snapDir, { recursive: true, force: true });
  mkdirSync(snapDir, { recursive: true, mode: 0o700 });
  const snap: Snapshot = { src: new Map(), partial: new Set(), spans: new Map(), bytes: 0 };
  const ordered = [...files].sort((a, b) => Number(b.table === "rounds") - Number(a.table === "rounds"));
  for (const f of ordered) {
    const dest = join(snapDir, `${f.table}.csv`);
    const span = copyFrom(join(dir, f.name), dest, marks.get(f.table));
    const fd = openSync(dest, "r+");
    try {
      const size = fstatSync(fd).size;
      const tail = Buffer.alloc(Math.min(size - span.headerLen, 1 << 20));
      readSync(fd, tail, 0, tail.length, size - tail.length);
      const nl = tail.lastIndexOf(10);
      // No whole line in the last MiB: no row to take (only a header, or one enormous row).
      span.size = nl < 0 ? span.headerLen : size - tail.length + nl + 1;
      ftruncateSync(fd, span.size);
    } finally {
      closeSync(fd);
    }
    snap.bytes += span.size - span.headerLen;
    if (span.size === 0) continue;
    if (span.headerLen > 0) snap.partial.add(f.table);
    snap.spans.set(f.table, span);
    snap.src.set(f.table, tsnapCsvReader([dest], f.table));
  }
  return snap;
}

/** Copy a CSV file whole, or its header line and the bytes from a mark of the same file on. */
function copyFrom(src: string, dest: string, mark: SnapMark | undefined): CopySpan {
  const fd = openSync(src, "r");
  try {
    const st = fstatSync(fd);
    const first = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
    readSync(fd, first, 0, first.length, 0);
    const head = first.toString("latin1");
    const same = mark && mark.ino === st.ino && mark.from <= st.size && head.startsWith(mark.head);
    const header = same ? headerLine(fd) : null;
    if (!mark || header === null) {
      copyFileSync(src, dest);
      return { ino: st.ino, head, start: 0, headerLen: 0, size: 0, path: dest };
    }
    const out = openSync(dest, "w", 0o600);
    try {
      writeSync(out, header);
      const buf = Buffer.alloc(1 << 20);
      for (let pos = mark.from; pos < st.size; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, st.size - pos), pos);
        if (n === 0) break;
        writeSync(out, buf, 0, n);
        pos += n;
      }
    } finally {
      closeSync(out);
    }
    return { ino: st.ino, head, start: mark.from, headerLen: header.length, size: 0, path: dest };
  } finally {
    closeSync(fd);
  }
}

/** The file's first line with its newline, or null when it has none in its first 64 KiB. */
function headerLine(fd: number): Buffer | null {
  const head = Buffer.alloc(1 << 16);
  const n = readSync(fd, head, 0, head.length, 0);
  const nl = head.subarray(0, n).indexOf(10);
  return nl < 0 ? null : Buffer.from(head.subarray(0, nl + 1));
}

/**
 * Where the next snapshot of each table may start once a window ending at `toUs` was cut
 * from this one: a timed table at its first line from `toUs` on (rows are written in round
 * order; the scan goes back from the copy's end), the others at the copy's end (all they
 * hold was taken). Bytes before a mark then hold no row a later window needs; a row written
 * out of order (a late round after a full disk) ships with the closing segment, which takes
 * the whole part EXCEPT ALL its windows.
 */
export function nextMarks(snap: Snapshot, toUs: number): Map<TableName, SnapMark> {
  const marks = new Map<TableName, SnapMark>();
  for (const [table, span] of snap.spans) {
    const abs = (copyPos: number) => span.start + copyPos - span.headerLen;
    const pos = TIMED.has(table) ? firstLineFrom(span, toUs) : span.size;
    marks.set(table, { ino: span.ino, head: span.head, from: abs(pos) });
  }
  return marks;
}

/**
 * Copy offset of the first data line whose timestamp is `toUs` or later (one that does not
 * parse counts as later), by bisection over byte offsets: timestamps do not decrease down
 * the file, so a few reads find it however long the copy.
 */
function firstLineFrom(span: CopySpan, toUs: number): number {
  const fd = openSync(span.path, "r");
  try {
    const size = span.size;
    // A whole copy starts with the header: data begins after its first newline.
    const dataStart = span.headerLen > 0 ? span.headerLen : (headerLine(fd)?.length ?? size);
    const buf = Buffer.alloc(1 << 16);
    /** The first line starting at or after pos: its start and timestamp (null at the end). */
    const lineAt = (pos: number): { start: number; us: number } | null => {
      let start = pos;
      if (pos > dataStart) {
        // Skip to just after the next newline at or after pos - 1.
        for (let at = pos - 1; ; ) {
          if (at >= size) return null;
          const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
          const nl = buf.subarray(0, n).indexOf(10);
          if (nl >= 0) {
            start = at + nl + 1;
            break;
          }
          at += n;
        }
      }
      if (start >= size) return null;
      const n = readSync(fd, buf, 0, Math.min(40, size - start), start);
      const text = buf.toString("latin1", 0, n);
      const comma = text.indexOf(",");
      const us = comma < 0 ? null : csvTimestampUs(text.slice(0, comma));
      return { start, us: us ?? Number.POSITIVE_INFINITY };
    };
    let lo = dataStart;
    let hi = size;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const l = lineAt(mid);
      if (l === null || l.us >= toUs) hi = mid;
      else lo = mid + 1;
    }
    return lineAt(lo)?.start ?? size;
  } finally {
    closeSync(fd);
  }
}

/** Pure: µs of a tsnap CSV timestamp (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC), or null. */
export function csvTimestampUs(text: string): number | null {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isNaN(ms) ? null : ms * 1000 + Number((m[3] ?? "").padEnd(6, "0"));
}

/**
 * The first and last rounds of an open part from its rounds CSV's first data line and last
 * whole line (a few KiB read): enough to tell whether a window is due before copying the
 * part. The cut itself reads them again from the copy.
 */
export function roundsSpanOfCsv(path: string): { firstUs: number; lastUs: number } | null {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const headLines = head.toString("utf8").split("\n");
    const tailText = tail.toString("utf8");
    const lines = tailText.slice(0, tailText.lastIndexOf("\n")).split("\n");
    const first = headLines.length > 2 ? csvTimestampUs(headLines[1].split(",")[0]) : null;
    const last = lines.length > 1 ? csvTimestampUs(lines[lines.length - 1].split(",")[0]) : null;
    return first === null || last === null ? null : { firstUs: first, lastUs: last };
  } finally {
    closeSync(fd);
  }
}

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
  table: TableName;
  path: string;
  rows: number;
}

/** The rows SQL of one table of a segment (see the head of this file). */
export function segmentRowsSql(
  table: TableName,
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
