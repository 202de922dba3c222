// ship's closed parts (every file Parquet): the rest of a part whose windows were shipped
// while its hour was open (its closing segment: the part EXCEPT ALL its windows, cut once),
// or else the whole part, each file with host and service columns, under the part's
// content id (segments.ts): shipping it again overwrites, never adds a copy.
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { InputError } from "../errors.js";
import { PARQUET_OPTIONS } from "../store/convert.js";
import type { PartitionFile } from "../store/files.js";
import { sqlString } from "../store/sql-text.js";
import { DEVICES, devicesOf, devicesSql } from "./devices.js";
import { parquetSources, partKeyOf } from "./segment-cut.js";
import { type PendingPart, type Segment, segmentOf } from "./segments.js";
import { partId } from "./ship-ledger.js";
import type { ShipPass } from "./ship-pass.js";

/** What ship remembers between passes in one process: closed parts' ids and keys by file stamps. */
const memo = new Map<string, { segment?: Segment; partKey?: string | null }>();
const stampOf = (dir: string, files: PartitionFile[]) =>
  files
    .map((f) => {
      const st = statSync(join(dir, f.name));
      return `${f.name}:${st.size}:${st.mtimeMs}:${st.ino}`;
    })
    .join("|");

/** Ship one closed part: its closing segment, or the whole part; a part deleted meanwhile is named. */
export async function shipClosed(pass: ShipPass, p: PendingPart): Promise<void> {
  const { o, led, sum, conn } = pass;
  try {
    const stamp = stampOf(o.dir, p.files);
    const m = memo.get(stamp) ?? {};
    memo.set(stamp, m);
    m.partKey ??= await partKeyOf(conn, parquetSources(o.dir, p.files));
    const pid = m.partKey === null ? null : partId(p.hour, p.part, m.partKey);
    if (pid !== null && pass.cutsOf(pid).length > 0) {
      // Windows of this part were shipped while its hour was open: the rest closes it.
      const closing = pass.cutsOf(pid).find((c) => c.endUs === null);
      if (led.closed.has(pid)) sum.alreadyShipped++;
      else if (closing)
        await pass.uploadCut(closing); // cut before, never cut twice
      else await pass.uploadCut(await pass.cut(p, m.partKey as string, parquetSources(o.dir, p.files), null));
      return;
    }
    m.segment ??= segmentOf(o.dir, p);
    await shipWhole(pass, m.segment);
  } catch (e) {
    if (p.files.every((f) => existsSync(join(o.dir, f.name)))) throw e;
    // Deleted by retention (or by hand) between listing and reading: say so, go on.
    o.notice(`tsnap ship: ${p.hour} part ${p.part} vanished before it was shipped (${(e as Error).message})`);
  }
}

/**
 * A closed part with no windows shipped: each file whole, under the part's content id, and
 * the host's devices (devices.ts) under the same id.
 */
async function shipWhole(pass: ShipPass, seg: Segment): Promise<void> {
  const { o, led, sum, conn } = pass;
  const todo = seg.files.filter((f) => !led.done.has(`${seg.id}/${f.table}`));
  const devices = led.done.has(`${seg.id}/${DEVICES}`) ? [] : devicesOf(o.dir);
  if (todo.length === 0 && devices.length === 0) {
    sum.alreadyShipped++;
    return;
  }
  for (const f of todo) {
    const spool = join(o.spoolDir, `${seg.id}.${f.table}.parquet`);
    const rows = await spoolCopy(
      conn,
      `read_parquet(${sqlString(join(o.dir, f.name))})`,
      join(o.dir, f.name),
      spool,
      o.host,
      o.service,
    );
    await pass.upload(seg.id, f.table, seg.hour, spool, rows);
    rmSync(spool, { force: true });
  }
  if (devices.length > 0) {
    const spool = join(o.spoolDir, `${seg.id}.${DEVICES}.parquet`);
    const rows = await spoolCopy(conn, devicesSql(devices), "its devices", spool, o.host, o.service);
    await pass.upload(seg.id, DEVICES, seg.hour, spool, rows);
    rmSync(spool, { force: true });
  }
  sum.segments++;
}

/** A source's rows (a local file's read_parquet) with host and service columns, in the spool; its rows, checked equal. */
async function spoolCopy(
  conn: DuckDBConnection,
  /** SQL of the rows, and what to call them in an error. */
  src: string,
  what: string,
  dest: string,
  host: string,
  service: string,
): Promise<number> {
  const count = async (rows: string) => {
    const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${rows}`);
    return Number(r.getRowObjectsJS()[0]?.n ?? -1);
  };
  const want = await count(src);
  if (!existsSync(dest)) {
    const tmp = `${dest}.tmp`;
    rmSync(tmp, { force: true }); // left by a crash mid-copy
    // host and service are checked names (fleet-target.ts), quoted as literals: COPY takes no parameters.
    await conn.run(
      `COPY (SELECT *, ${sqlString(host)} AS host, ${sqlString(service)} AS service FROM ${src}) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`,
    );
    renameSync(tmp, dest);
  }
  const got = await count(`read_parquet(${sqlString(dest)})`);
  if (got !== want) {
    rmSync(dest, { force: true });
    throw new InputError(`${dest}: ${got} rows, but ${what} has ${want}: not shipped`);
  }
  return want;
}
