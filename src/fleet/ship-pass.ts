// One ship pass's state and its two steps every kind of segment goes through: cut (into the
// spool, renamed and fsynced, then a write-ahead `cut` line in the ledger; the host's devices
// table beside the capture's) and upload (each table's spool file, confirmed by the store's
// ETag = MD5, then a ledger line). A closing
// segment confirmed closes its part: the part's kept window copies are deleted.
import { mkdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { TableName } from "../store/schema.js";
import { DEVICES, devicesOf, devicesSql } from "./devices.js";
import { objectKey } from "./fleet-target.js";
import { contentHash, cutSegment, type PartSources, placeCut } from "./segment-cut.js";
import type { PendingPart } from "./segments.js";
import { appendLedger, type Cut, cutLine, LEDGER, type Ledger, partId, readLedger } from "./ship-ledger.js";
import { dropWindowMarks } from "./ship-open.js";
import { type RetryOptions, withRetry } from "./ship-retry.js";

/** What ship needs of a store (S3Client; tests may wrap it). */
export interface ObjectStore {
  put(key: string, body: Buffer): Promise<string>;
}

export interface ShipOptions extends RetryOptions {
  dir: string;
  spoolDir: string;
  host: string;
  service: string;
  prefix: string;
  store: ObjectStore;
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

export class ShipPass {
  readonly ledgerPath: string;
  readonly led: Ledger;
  readonly sum: ShipSummary = {
    segments: 0,
    objects: 0,
    bytes: 0,
    rows: 0,
    retries: 0,
    alreadyShipped: 0,
    windows: 0,
    snapshotBytes: 0,
  };

  constructor(
    readonly o: ShipOptions,
    readonly conn: DuckDBConnection,
  ) {
    mkdirSync(o.spoolDir, { recursive: true, mode: 0o700 });
    this.ledgerPath = join(o.spoolDir, LEDGER);
    this.led = readLedger(this.ledgerPath);
  }

  partDir(pid: string): string {
    return join(this.o.spoolDir, "parts", pid);
  }

  cutsOf(pid: string): Cut[] {
    return this.led.cuts.filter((c) => partId(c.hour, c.part, c.partKey) === pid);
  }

  /** Kept copies of the part's earlier segments, per table. */
  keptOf(pid: string): Map<string, string[]> {
    const kept = new Map<string, string[]>();
    for (const c of this.cutsOf(pid))
      for (const t of c.tables.keys())
        kept.set(t, [...(kept.get(t) ?? []), join(this.partDir(pid), `${c.segment}.${t}.parquet`)]);
    return kept;
  }

  /** Upload one spool file and confirm it in the ledger. */
  async upload(segment: string, table: string, hour: string, path: string, rows: number): Promise<void> {
    const { o, sum } = this;
    const key = objectKey(o.prefix, table, hour, o.host, segment);
    const body = readFileSync(path);
    await o.beforeUpload?.(key);
    const md5 = await withRetry(o, key, () => o.store.put(key, body), sum);
    appendLedger(this.ledgerPath, `${segment} ${table} ${key} ${md5} ${rows}\n`);
    this.led.done.add(`${segment}/${table}`);
    sum.objects++;
    sum.bytes += body.length;
    if (table === "samples") sum.rows += rows;
  }

  /** Upload a cut's files (already in the spool) and confirm each in the ledger. */
  async uploadCut(c: Cut): Promise<void> {
    const pid = partId(c.hour, c.part, c.partKey);
    for (const [table, rows] of c.tables) {
      if (this.led.done.has(`${c.segment}/${table}`)) continue;
      await this.upload(
        c.segment,
        table,
        c.hour,
        join(this.partDir(pid), `${c.segment}.${table}.parquet`),
        rows,
      );
    }
    this.sum.segments++;
    if (c.endUs !== null) this.sum.windows++;
    else {
      // The part is whole in the store: its kept copies are no longer needed.
      appendLedger(this.ledgerPath, `closed ${c.hour} ${c.part} ${c.partKey}\n`);
      this.led.closed.add(pid);
      dropWindowMarks(pid);
      rmSync(this.partDir(pid), { recursive: true, force: true });
      try {
        rmdirSync(join(this.o.spoolDir, "parts")); // when no other part is open
      } catch {}
    }
  }

  /** Cut a segment of a part into the spool, then write its cut line (write-ahead). */
  async cut(
    p: PendingPart,
    partKey: string,
    src: PartSources,
    window: { fromUs: number; toUs: number } | null,
    /** Tables whose source holds only rows not taken yet (copied from a mark). */
    partial: ReadonlySet<TableName> = new Set(),
  ): Promise<Cut> {
    const pid = partId(p.hour, p.part, partKey);
    const tmp = join(this.o.spoolDir, "cutting");
    const tables = await cutSegment(this.conn, {
      // The host's devices: a dictionary, its rows shipped once per part.
      src: new Map(src).set(DEVICES, devicesSql(devicesOf(this.o.dir))),
      kept: new Map([...this.keptOf(pid)].filter(([t]) => !partial.has(t as TableName))),
      window,
      host: this.o.host,
      service: this.o.service,
      outDir: tmp,
    });
    const tag = window
      ? `w${String(new Date(window.toUs / 1000).getUTCMinutes() || 60).padStart(2, "0")}`
      : "end";
    const segment = `${p.hour}_${p.part}_${tag}_${contentHash(partKey, tables)}`;
    placeCut(tables, this.partDir(pid), segment);
    rmSync(tmp, { recursive: true, force: true });
    const c: Cut = {
      segment,
      hour: p.hour,
      part: p.part,
      partKey,
      endUs: window ? window.toUs : null,
      tables: new Map(tables.map((t) => [t.table, t.rows])),
    };
    appendLedger(this.ledgerPath, cutLine(c));
    this.led.cuts.push(c);
    return c;
  }
}
