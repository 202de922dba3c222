// Ships a capture directory's segments to an object store, in passes (shipOnce):
// 1. segments already cut (the ledger's cut lines) but not confirmed: uploaded from their
//    spool files, the very bytes cut before a stop or a kill, under the same names;
// 2. closed parts (all Parquet): the rest of a part whose windows were shipped while it was
//    open (its closing segment), or else the whole part under its content id;
// 3. open parts (CSV): each complete window of `segmentUs` not shipped yet, one segment.
// A segment is cut into the spool, named in the ledger (fsynced), then uploaded; an upload
// counts when the store confirmed the bytes (PUT with Content-MD5, ETag = MD5). The spool
// keeps an open part's windows until its closing segment is confirmed (the closing segment
// is the part minus them), and no window is cut while it holds spoolMaxBytes; while the store
// is down, only the segment in flight waits, retried with exponential back-off (full
// jitter) until a deadline: the backlog is the capture directory itself (bounded by
// capture's --retain/--max-size). The capture's own files are never deleted here.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { InputError } from "../errors.js";
import { PARQUET_OPTIONS } from "../store/convert.js";
import type { PartitionFile } from "../store/files.js";
import type { TableName } from "../store/schema.js";
import { sqlString } from "../store/sql-text.js";
import { nextMarks, roundsSpanOfCsv, type SnapMark, type Snapshot, snapshotCsv } from "./csv-snapshot.js";
import { objectKey } from "./fleet-target.js";
import { RetryableS3Error } from "./s3-client.js";
import {
  contentHash,
  cutSegment,
  lastRoundUs,
  type PartSources,
  parquetSources,
  partKeyOf,
  placeCut,
} from "./segment-cut.js";
import { closedParts, openParts, type PendingPart, type Segment, segmentOf } from "./segments.js";
import {
  appendLedger,
  type Cut,
  cutDone,
  cutLine,
  LEDGER,
  type Ledger,
  partId,
  readLedger,
} from "./ship-ledger.js";

/** What ship needs of a store (S3Client; tests may wrap it). */
export interface ObjectStore {
  put(key: string, body: Buffer): Promise<string>;
}

export interface ShipOptions {
  dir: string;
  spoolDir: string;
  host: string;
  service: string;
  prefix: string;
  store: ObjectStore;
  notice: (line: string) => void;
  signal?: AbortSignal;
  /** First back-off, doubled per failure up to maxBackoffMs.      [default: 500, 60000] */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Give up on the store after this long without success.        [default: 600000] */
  giveUpMs?: number;
  /** Window length of the open hour's segments (µs); 3600e6 ships whole parts only. [default: 3600e6] */
  segmentUs?: number;
  /** Cut no new window while the spool holds this many bytes.          [default: no limit] */
  spoolMaxBytes?: number;
  /** Called before each upload (tests kill the store here). */
  beforeUpload?: (key: string) => void | Promise<void>;
}

export interface ShipSummary {
  segments: number;
  objects: number;
  bytes: number;
  rows: number;
  retries: number;
  alreadyShipped: number;
  /** Of `segments`, the windows of an open hour. */
  windows: number;
  /** Bytes of the open hour's CSV files copied to cut its windows. */
  snapshotBytes: number;
}

/** What ship remembers between passes in one process: closed parts' ids and keys by file stamps. */
const memo = new Map<string, { segment?: Segment; partKey?: string | null }>();
/** Per open part (its id), where each table's next window snapshot may start (segment-cut.ts nextMarks). */
const windowMarks = new Map<string, Map<TableName, SnapMark>>();
const stampOf = (dir: string, files: PartitionFile[]) =>
  files
    .map((f) => {
      const st = statSync(join(dir, f.name));
      return `${f.name}:${st.size}:${st.mtimeMs}:${st.ino}`;
    })
    .join("|");

/** Bytes under a directory (the spool). */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

export async function shipOnce(o: ShipOptions): Promise<ShipSummary> {
  mkdirSync(o.spoolDir, { recursive: true, mode: 0o700 });
  const ledgerPath = join(o.spoolDir, LEDGER);
  const led = readLedger(ledgerPath);
  const sum: ShipSummary = {
    segments: 0,
    objects: 0,
    bytes: 0,
    rows: 0,
    retries: 0,
    alreadyShipped: 0,
    windows: 0,
    snapshotBytes: 0,
  };
  const segmentUs = o.segmentUs ?? 3600e6;
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:", {
    threads: "1",
    memory_limit: "256MB",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await db.connect();
  const partDir = (pid: string) => join(o.spoolDir, "parts", pid);
  const cutsOf = (pid: string) => led.cuts.filter((c) => partId(c.hour, c.part, c.partKey) === pid);
  const keptOf = (pid: string) => {
    const kept = new Map<string, string[]>();
    for (const c of cutsOf(pid))
      for (const t of c.tables.keys())
        kept.set(t, [...(kept.get(t) ?? []), join(partDir(pid), `${c.segment}.${t}.parquet`)]);
    return kept;
  };
  /** Upload a cut's files (already in the spool) and confirm each in the ledger. */
  const uploadCut = async (c: Cut) => {
    const pid = partId(c.hour, c.part, c.partKey);
    for (const [table, rows] of c.tables) {
      if (led.done.has(`${c.segment}/${table}`)) continue;
      const key = objectKey(o.prefix, table, c.hour, o.host, c.segment);
      const body = readFileSync(join(partDir(pid), `${c.segment}.${table}.parquet`));
      await o.beforeUpload?.(key);
      const md5 = await withRetry(o, key, () => o.store.put(key, body), sum);
      appendLedger(ledgerPath, `${c.segment} ${table} ${key} ${md5} ${rows}\n`);
      led.done.add(`${c.segment}/${table}`);
      sum.objects++;
      sum.bytes += body.length;
      if (table === "samples") sum.rows += rows;
    }
    sum.segments++;
    if (c.endUs !== null) sum.windows++;
    else {
      // The part is whole in the store: its kept copies are no longer needed.
      appendLedger(ledgerPath, `closed ${c.hour} ${c.part} ${c.partKey}\n`);
      led.closed.add(pid);
      windowMarks.delete(pid);
      rmSync(partDir(pid), { recursive: true, force: true });
      try {
        rmdirSync(join(o.spoolDir, "parts")); // when no other part is open
      } catch {}
    }
  };
  /** Cut a segment of a part into the spool, then write its cut line (write-ahead). */
  const cut = async (
    p: PendingPart,
    partKey: string,
    src: PartSources,
    window: { fromUs: number; toUs: number } | null,
    /** Tables whose source holds only rows not taken yet (copied from a mark). */
    partial: ReadonlySet<TableName> = new Set(),
  ): Promise<Cut> => {
    const pid = partId(p.hour, p.part, partKey);
    const tmp = join(o.spoolDir, "cutting");
    const tables = await cutSegment(conn, {
      src,
      kept: new Map([...keptOf(pid)].filter(([t]) => !partial.has(t as TableName))),
      window,
      host: o.host,
      service: o.service,
      outDir: tmp,
    });
    const tag = window
      ? `w${String(new Date(window.toUs / 1000).getUTCMinutes() || 60).padStart(2, "0")}`
      : "end";
    const segment = `${p.hour}_${p.part}_${tag}_${contentHash(partKey, tables)}`;
    placeCut(tables, partDir(pid), segment);
    rmSync(tmp, { recursive: true, force: true });
    const c: Cut = {
      segment,
      hour: p.hour,
      part: p.part,
      partKey,
      endUs: window ? window.toUs : null,
      tables: new Map(tables.map((t) => [t.table, t.rows])),
    };
    appendLedger(ledgerPath, cutLine(c));
    led.cuts.push(c);
    return c;
  };
  try {
    // Segments cut before a stop or a kill: upload those very bytes, under their names.
    for (const c of led.cuts) {
      if (o.signal?.aborted) break;
      if (!cutDone(led, c)) await uploadCut(c);
      else if (c.endUs === null && !led.closed.has(partId(c.hour, c.part, c.partKey))) await uploadCut(c);
    }
    for (const p of closedParts(o.dir)) {
      if (o.signal?.aborted) break;
      try {
        const stamp = stampOf(o.dir, p.files);
        const m = memo.get(stamp) ?? {};
        memo.set(stamp, m);
        m.partKey ??= await partKeyOf(conn, parquetSources(o.dir, p.files));
        const pid = m.partKey === null ? null : partId(p.hour, p.part, m.partKey);
        if (pid !== null && cutsOf(pid).length > 0) {
          // Windows of this part were shipped while its hour was open: the rest closes it.
          const closing = cutsOf(pid).find((c) => c.endUs === null);
          if (led.closed.has(pid)) sum.alreadyShipped++;
          else if (closing)
            await uploadCut(closing); // cut before, never cut twice
          else await uploadCut(await cut(p, m.partKey as string, parquetSources(o.dir, p.files), null));
          continue;
        }
        m.segment ??= segmentOf(o.dir, p);
        await shipWhole(o, conn, m.segment, led, ledgerPath, sum);
      } catch (e) {
        if (p.files.every((f) => existsSync(join(o.dir, f.name)))) throw e;
        // Deleted by retention (or by hand) between listing and reading: say so, go on.
        o.notice(
          `tsnap ship: ${p.hour} part ${p.part} vanished before it was shipped (${(e as Error).message})`,
        );
      }
    }
    if (segmentUs < 3600e6)
      for (const p of openParts(o.dir)) {
        if (o.signal?.aborted) break;
        await shipWindows(p);
      }
  } finally {
    rmSync(join(o.spoolDir, "snapshot"), { recursive: true, force: true });
    conn.closeSync();
    db.closeSync();
  }
  return sum;

  /** The open part's complete windows not shipped yet: one segment for all of them. */
  async function shipWindows(p: PendingPart): Promise<void> {
    // Is a window due? From the rounds file's first and last lines, before copying anything.
    const rounds = p.files.find((f) => f.table === "rounds");
    const span = rounds ? roundsSpanOfCsvOrNull(join(o.dir, rounds.name)) : null;
    if (span) {
      const pid0 = partId(p.hour, p.part, String(span.firstUs));
      const from0 = Math.max(0, ...cutsOf(pid0).map((c) => c.endUs ?? 0));
      const to0 = Math.floor(span.lastUs / segmentUs) * segmentUs;
      if (led.closed.has(pid0) || to0 <= from0 || to0 <= span.firstUs) return;
    }
    // After a first window in this process, copy only what the capture wrote since.
    const marks = span ? windowMarks.get(partId(p.hour, p.part, String(span.firstUs))) : undefined;
    let snap: Snapshot;
    try {
      snap = snapshotCsv(o.dir, p.files, join(o.spoolDir, "snapshot"), marks);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // converted meanwhile: next pass
      throw e;
    }
    sum.snapshotBytes += snap.bytes;
    const src = snap.src;
    let partKey: string | null;
    let last: number | null;
    try {
      // A rounds copy from a mark lacks the part's first round: its key is the mark's part's.
      partKey = snap.partial.has("rounds") && span ? String(span.firstUs) : await partKeyOf(conn, src);
      last = await lastRoundUs(conn, src);
    } catch (e) {
      // A line that does not parse: the part ships whole once its hour closed (converted).
      o.notice(
        `tsnap ship: ${p.hour} part ${p.part}: ${(e as Error).message.split("\n")[0]}: it ships when its hour closes`,
      );
      return;
    }
    if (partKey === null || last === null) return;
    const pid = partId(p.hour, p.part, partKey);
    if (led.closed.has(pid)) return;
    const cuts = cutsOf(pid);
    const fromUs = Math.max(0, ...cuts.map((c) => c.endUs ?? 0));
    const toUs = Math.floor(last / segmentUs) * segmentUs;
    // A round at or after the window's end is on disk, so the window is complete.
    if (toUs <= fromUs || toUs <= Number(partKey)) return;
    const spoolMax = o.spoolMaxBytes ?? Number.POSITIVE_INFINITY;
    if (dirBytes(o.spoolDir) >= spoolMax) {
      if (!spoolFullNoted.has(pid)) {
        spoolFullNoted.add(pid);
        o.notice(
          `tsnap ship: the spool holds ${o.spoolMaxBytes} bytes or more (--spool-max): the rest of ${p.hour} part ${p.part} ships when its hour closes`,
        );
      }
      return;
    }
    const c = await cut(p, partKey, src, { fromUs, toUs }, snap.partial);
    windowMarks.set(pid, nextMarks(snap, toUs)); // the cut is in the ledger: its rows are taken
    await uploadCut(c);
  }
}

const spoolFullNoted = new Set<string>();

function roundsSpanOfCsvOrNull(path: string) {
  try {
    return roundsSpanOfCsv(path);
  } catch {
    return null; // gone (converted meanwhile): the next pass sees it closed
  }
}

/** A closed part with no windows shipped: each file whole, under the part's content id. */
async function shipWhole(
  o: ShipOptions,
  conn: DuckDBConnection,
  seg: Segment,
  led: Ledger,
  ledgerPath: string,
  sum: ShipSummary,
): Promise<void> {
  const todo = seg.files.filter((f) => !led.done.has(`${seg.id}/${f.table}`));
  if (todo.length === 0) {
    sum.alreadyShipped++;
    return;
  }
  for (const f of todo) {
    const key = objectKey(o.prefix, f.table, seg.hour, o.host, seg.id);
    const spool = join(o.spoolDir, `${seg.id}.${f.table}.parquet`);
    const rows = await spoolCopy(conn, join(o.dir, f.name), spool, o.host, o.service);
    const body = readFileSync(spool);
    await o.beforeUpload?.(key);
    const md5 = await withRetry(o, key, () => o.store.put(key, body), sum);
    appendLedger(ledgerPath, `${seg.id} ${f.table} ${key} ${md5} ${rows}\n`);
    led.done.add(`${seg.id}/${f.table}`);
    rmSync(spool, { force: true });
    sum.objects++;
    sum.bytes += body.length;
    if (f.table === "samples") sum.rows += rows;
  }
  sum.segments++;
}

/** The local file with host and service columns, in the spool; its rows, checked equal. */
async function spoolCopy(
  conn: DuckDBConnection,
  src: string,
  dest: string,
  host: string,
  service: string,
): Promise<number> {
  const count = async (path: string) => {
    const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(path)})`);
    return Number(r.getRowObjectsJS()[0]?.n ?? -1);
  };
  const want = await count(src);
  if (!existsSync(dest)) {
    const tmp = `${dest}.tmp`;
    rmSync(tmp, { force: true }); // left by a crash mid-copy
    // host and service are checked names (fleet-target.ts), quoted as literals: COPY takes no parameters.
    await conn.run(
      `COPY (SELECT *, ${sqlString(host)} AS host, ${sqlString(service)} AS service FROM read_parquet(${sqlString(src)})) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`,
    );
    renameSync(tmp, dest);
  }
  const got = await count(dest);
  if (got !== want) {
    rmSync(dest, { force: true });
    throw new InputError(`${dest}: ${got} rows, but ${src} has ${want}: not shipped`);
  }
  return want;
}

async function withRetry(
  o: ShipOptions,
  key: string,
  call: () => Promise<string>,
  sum: ShipSummary,
): Promise<string> {
  const base = o.baseBackoffMs ?? 500;
  const max = o.maxBackoffMs ?? 60_000;
  const giveUp = Date.now() + (o.giveUpMs ?? 600_000);
  let failures = 0;
  for (;;) {
    try {
      const r = await call();
      if (failures > 0) o.notice(`tsnap ship: the store answers again (${failures} failed tries for ${key})`);
      return r;
    } catch (e) {
      if (!(e instanceof RetryableS3Error)) throw e;
      failures++;
      sum.retries++;
      const wait = Math.random() * Math.min(max, base * 2 ** Math.min(failures - 1, 20));
      if (failures === 1) o.notice(`tsnap ship: ${e.message}: retrying with back-off`);
      if (Date.now() + wait > giveUp)
        throw new InputError(
          `the store did not take ${key} (${e.message}); the files stay in ${o.dir} and ship next time`,
          {
            cause: e,
          },
        );
      await sleep(wait, undefined, { signal: o.signal }).catch(() => {});
      if (o.signal?.aborted) throw new InputError(`stopped before ${key} was uploaded; it ships next time`);
    }
  }
}
