// Ships a capture directory's closed segments to an object store: for each table file of a
// segment, a copy with `host` and `service` columns is written to the spool, its row count
// checked against the local file, uploaded under the segment's fixed name, and only once the
// store confirmed the bytes (PUT with Content-MD5, ETag = MD5) is it recorded in the ledger
// and the spool copy deleted. The capture's own files are never deleted here (retention does
// that); the spool holds at most the one segment in flight, and the backlog while the store
// is down is the capture directory itself (bounded by capture's --retain/--max-size).
// Failed uploads are retried with exponential back-off (full jitter) until a deadline.
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { InputError } from "../errors.js";
import { PARQUET_OPTIONS } from "../store/convert.js";
import { sqlString } from "../store/sql-text.js";
import { objectKey } from "./fleet-target.js";
import { RetryableS3Error } from "./s3-client.js";
import { closedParts, type Segment, segmentOf } from "./segments.js";

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
}

const LEDGER = "shipped.log";

/** Pure: `<segment id>/<table>` of every confirmed upload in a ledger text. */
export function parseLedger(text: string): Set<string> {
  const done = new Set<string>();
  for (const line of text.split("\n")) {
    const [seg, table] = line.split(" ");
    if (seg && table) done.add(`${seg}/${table}`);
  }
  return done;
}

export async function shipOnce(o: ShipOptions): Promise<ShipSummary> {
  mkdirSync(o.spoolDir, { recursive: true, mode: 0o700 });
  const ledgerPath = join(o.spoolDir, LEDGER);
  const done = parseLedger(existsSync(ledgerPath) ? readFileSync(ledgerPath, "utf8") : "");
  const sum: ShipSummary = { segments: 0, objects: 0, bytes: 0, rows: 0, retries: 0, alreadyShipped: 0 };
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:", {
    threads: "1",
    memory_limit: "256MB",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await db.connect();
  try {
    for (const p of closedParts(o.dir)) {
      if (o.signal?.aborted) break;
      let seg: Segment;
      try {
        seg = segmentOf(o.dir, p);
      } catch (e) {
        // Deleted by retention (or by hand) between listing and reading: say so, go on.
        o.notice(
          `tsnap ship: ${p.hour} part ${p.part} vanished before it was shipped (${(e as Error).message})`,
        );
        continue;
      }
      const todo = seg.files.filter((f) => !done.has(`${seg.id}/${f.table}`));
      if (todo.length === 0) {
        sum.alreadyShipped++;
        continue;
      }
      for (const f of todo) {
        const key = objectKey(o.prefix, f.table, seg.hour, o.host, seg.id);
        const spool = join(o.spoolDir, `${seg.id}.${f.table}.parquet`);
        const rows = await spoolCopy(conn, join(o.dir, f.name), spool, o.host, o.service);
        const body = readFileSync(spool);
        await o.beforeUpload?.(key);
        const md5 = await withRetry(o, key, () => o.store.put(key, body), sum);
        const fd = openSync(ledgerPath, "a", 0o600);
        try {
          appendFileSync(fd, `${seg.id} ${f.table} ${key} ${md5} ${rows}\n`);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        done.add(`${seg.id}/${f.table}`);
        rmSync(spool, { force: true });
        sum.objects++;
        sum.bytes += body.length;
        if (f.table === "samples") sum.rows += rows;
      }
      sum.segments++;
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return sum;
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
