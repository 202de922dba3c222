// A History over a capture directory that is being written (`ui --live`, `serve --live`):
// DuckDB tables named like the views (views.ts) hold the last `keepUs` of data. Each
// update() reads only what was appended to each tsnap CSV file since the last one (whole
// lines), inserts those rows through the reader and the normalised columns history uses
// (so the numbers are the same), and deletes what fell out of the window. The queries then
// read memory, not every file of the directory, every second.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { csvHeader } from "../store/csv-row.js";
import { formatTimestampUs, parsePartitionName } from "../store/files.js";
import { TABLES, type TableName } from "../store/schema.js";
import type { Catalog, FileGroup } from "./discover.js";
import { Duck, duckMessage } from "./duck.js";
import type { History } from "./history.js";
import { createPartitions, DICTIONARIES, emptySelect, groupSelect } from "./views.js";

export interface LiveHistory extends History {
  /** Reads what was appended since the last update; true when rows came or went. */
  update(): Promise<boolean>;
}

/** Inserted in this order: dictionaries before the samples using them, rounds last. */
const ORDER: readonly TableName[] = [
  "kstacks",
  "ustacks",
  "cgroups",
  "samples",
  "syscend",
  "iorqend",
  "lathist",
  "rounds",
];

/** Completions: kept while a sample in the window refers to them (their own times are earlier). */
const COMPLETIONS = {
  syscend: { tid: "tid", seq: "sysc_seq_num", time: "sysc_enter_time" },
  iorqend: { tid: "insert_tid", seq: "iorq_seq_num", time: "issue_timestamp" },
} as const;

/** Unreferenced completions are deleted every this many updates (they change no result). */
const COMPLETION_SWEEP = 10;

interface Tail {
  table: TableName;
  ino: number;
  /** Bytes read so far (whole lines). */
  offset: number;
}

/**
 * Open `dir` (a tsnap capture writing CSV) keeping its last `keepUs` of data. Throws like
 * openHistory while it has no sample files or no rows yet.
 */
export async function openLiveHistory(dir: string, keepUs: number, threads?: number): Promise<LiveHistory> {
  const duck = await Duck.open({ threads });
  try {
    const live = new LiveTables(duck, dir, keepUs);
    await live.create();
    await live.update();
    if (!live.catalog.groups.some((g) => g.table === "samples" || g.table === "rounds"))
      throw new InputError(`${dir}: no tsnap sample files`);
    if (live.endUs === 0) throw new InputError(`${dir}: the sample files hold no rows`);
    return live;
  } catch (err) {
    duck.close();
    throw err;
  }
}

class LiveTables implements LiveHistory {
  readonly catalog: Catalog;
  endUs = 0;
  private readonly tails = new Map<string, Tail | null>();
  private readonly scratch: Record<string, string> = {};
  private updates = 0;

  constructor(
    readonly duck: Duck,
    readonly dir: string,
    readonly keepUs: number,
  ) {
    const partitions = join(dir, "partitions");
    const partitionsPath = existsSync(partitions) ? partitions : null;
    this.catalog = { dir, groups: [], partitionsPath, hours: [], problems: [] };
  }

  async create(): Promise<void> {
    for (const t of ORDER) {
      const empty = emptySelect(t);
      const sql =
        t in DICTIONARIES
          ? `SELECT ${DICTIONARIES[t as keyof typeof DICTIONARIES].join(", ")} FROM (${empty})`
          : t === "rounds"
            ? `SELECT * EXCLUDE (producer) FROM (${empty})`
            : empty;
      await this.duck.run(`CREATE TABLE ${t} AS ${sql}`);
      this.scratch[t] = join(this.duck.privateTempDir(), `${t}.csv`);
    }
    await createPartitions(this.duck, this.catalog.partitionsPath);
    await this.duck.lockDown(Object.values(this.scratch));
  }

  async update(): Promise<boolean> {
    const chunks = this.readAppended();
    let changed = false;
    for (const t of ORDER) {
      const parts = chunks.get(t);
      if (!parts) continue;
      writeFileSync(this.scratch[t], Buffer.concat([Buffer.from(csvHeader(t)), ...parts]), { mode: 0o600 });
      await this.insert(t);
      changed = true;
    }
    const r = await this.duck.all("SELECT epoch_us(max(timestamp)) AS t FROM rounds");
    if (r[0]?.t !== null && r[0]?.t !== undefined) this.endUs = Number(r[0].t) + 1;
    if (this.endUs > 0) changed = (await this.trim(this.endUs - this.keepUs)) || changed;
    return changed;
  }

  close(): void {
    this.duck.close();
  }

  /** The new whole lines of every tsnap CSV file, by table (header lines left out). */
  private readAppended(): Map<TableName, Buffer[]> {
    const out = new Map<TableName, Buffer[]>();
    let names: string[];
    try {
      names = readdirSync(this.dir).sort();
    } catch {
      return out;
    }
    const seen = new Set(names);
    for (const name of this.tails.keys()) if (!seen.has(name)) this.tails.delete(name);
    for (const name of names) {
      const f = parsePartitionName(name);
      if (f?.producer !== "tsnap" || f.format !== "csv") continue;
      const chunk = this.readFile(name, f.table);
      if (!chunk?.length) continue;
      const list = out.get(f.table) ?? [];
      list.push(chunk);
      out.set(f.table, list);
    }
    return out;
  }

  private readFile(name: string, table: TableName): Buffer | null {
    const path = join(this.dir, name);
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      return null; // removed meanwhile (retention)
    }
    try {
      const st = fstatSync(fd);
      let tail = this.tails.get(name);
      if (tail === null) return null; // not this schema's file: said once
      if (!tail || tail.ino !== st.ino || st.size < tail.offset) {
        tail = { table, ino: st.ino, offset: 0 };
        this.tails.set(name, tail);
        this.addGroup(table, path);
      }
      if (st.size <= tail.offset) return null;
      const buf = Buffer.allocUnsafe(st.size - tail.offset);
      const n = readSync(fd, buf, 0, buf.length, tail.offset);
      let start = 0;
      const end = buf.lastIndexOf(10, n - 1) + 1;
      if (end === 0) return null; // no whole line yet
      if (tail.offset === 0) {
        start = buf.indexOf(10) + 1;
        if (buf.subarray(0, start).toString() !== csvHeader(table)) {
          this.tails.set(name, null);
          this.catalog.problems.push(`${path}: header is not this tsnap schema's ${table} header; skipped`);
          return null;
        }
      }
      tail.offset += end;
      return buf.subarray(start, end);
    } finally {
      closeSync(fd);
    }
  }

  private addGroup(table: TableName, path: string): void {
    let g = this.catalog.groups.find((x) => x.table === table);
    if (!g) {
      const columns = new Set(TABLES[table].columns.map((c) => c.name));
      g = { producer: "tsnap", format: "csv", table, paths: [], columns } satisfies FileGroup;
      this.catalog.groups.push(g);
    }
    if (!g.paths.includes(path)) g.paths.push(path);
    const hour = parsePartitionName(path.slice(path.lastIndexOf("/") + 1))?.hour;
    if (table === "samples" && hour && !this.catalog.hours.includes(hour)) this.catalog.hours.push(hour);
  }

  /** Rows of the table's scratch file into the table (dictionaries: keys not there yet). */
  private async insert(t: TableName): Promise<void> {
    const columns = new Set(TABLES[t].columns.map((c) => c.name));
    const rows = groupSelect({
      producer: "tsnap",
      format: "csv",
      table: t,
      paths: [this.scratch[t]],
      columns,
    });
    let sql = `INSERT INTO ${t} ${rows}`;
    if (t in DICTIONARIES) {
      const [key, value] = DICTIONARIES[t as keyof typeof DICTIONARIES];
      sql = `INSERT INTO ${t} SELECT ${key}, any_value(${value}) FROM (${rows}) n WHERE NOT EXISTS (SELECT 1 FROM ${t} d WHERE d.${key} = n.${key}) GROUP BY 1`;
    } else if (t === "rounds") sql = `INSERT INTO ${t} SELECT * EXCLUDE (producer) FROM (${rows})`;
    try {
      await this.duck.all(sql);
    } catch (err) {
      // tsnap's writer leaves whole lines only; a line that does not parse is named, not fatal.
      this.catalog.problems.push(`${this.dir}: new ${t} rows do not parse (${duckMessage(err)}); left out`);
      if (this.catalog.problems.length > 20) this.catalog.problems.shift();
    }
  }

  /** Deletes rows before `cutUs`; true when some went. */
  private async trim(cutUs: number): Promise<boolean> {
    const cut = { cut: formatTimestampUs(cutUs) };
    let n = 0;
    for (const t of ["samples", "rounds", "lathist"] as const)
      n += await this.count(`DELETE FROM ${t} WHERE timestamp < CAST($cut AS TIMESTAMP)`, cut);
    if (++this.updates % COMPLETION_SWEEP === 0)
      for (const [t, c] of Object.entries(COMPLETIONS))
        await this.count(
          `DELETE FROM ${t} c WHERE coalesce(c.${c.time} < CAST($cut AS TIMESTAMP), true) AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.tid = c.${c.tid} AND s.${c.seq} = c.${c.seq})`,
          cut,
        );
    return n > 0;
  }

  private async count(sql: string, params: Record<string, string>): Promise<number> {
    const r = await this.duck.all(sql, params);
    return Number(r[0]?.Count ?? r[0]?.count ?? 0);
  }
}
