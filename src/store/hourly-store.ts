// The hourly partition writer. Rows of the open hour go to append-only CSV files, one
// write per table per round (so `kill -9` loses at most the round being written); when
// the hour closes (or on clean shutdown) its files become Parquet in the background.
// Every stack hash and cgroup id used in a part is written to that part's dictionary.
// A failed write (disk full) is rolled back to the last whole row, counted, warned about
// once, and writing resumes when space is back.
import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Sample } from "../model/sample.js";
import type { RoundResult } from "../sampler/sampler.js";
import { convertPart } from "./convert.js";
import { type CellValue, csvHeader, csvLine, iorqendRecord, sampleRecord, syscendRecord } from "./csv-row.js";
import { type FileFormat, formatTimestampUs, hourKey, type PartitionFile, partitionName } from "./files.js";
import { listParts } from "./parts.js";
import { TABLE_NAMES, type TableName } from "./schema.js";
import { fnv1a64, hashHex } from "./stack-hash.js";

export interface StoreOptions {
  dir: string;
  /** Format of closed hours; "csv" keeps the CSV files as they are. */
  format: FileFormat;
  /** Warnings and progress lines (stderr / journal). */
  notice(line: string): void;
}

export interface RoundMeta {
  source: string;
  /** CPU used for this round, µs. */
  cpuUs: number;
  /** Events lost by the kernel side since the previous round. */
  lost: number;
  /** Wall time the round stands for, µs (1e6 / hz). */
  weightUs: number;
}

interface OpenFile {
  fd: number;
  size: number;
}

export class HourlyStore {
  private hour: string | null = null;
  private part = 0;
  private files = new Map<TableName, OpenFile>();
  private seenKstacks = new Set<string>();
  private seenUstacks = new Set<string>();
  private seenCgroups = new Set<string>();
  /** Frames of every stack the sampler reported (it reports each once per run). */
  private stackText = new Map<string, string>();
  private textHash = new Map<string, string>();
  private conversions: Promise<void> = Promise.resolve();
  /** Rows dropped since the last successful write (disk full). */
  private dropping = 0;
  droppedTotal = 0;
  rowsWritten = 0;

  constructor(private readonly opts: StoreOptions) {}

  /** Convert CSV parts left by an earlier run (crash, or a failed conversion). */
  recover(currentHour: string): void {
    // Every part with CSV left, except an all-CSV part of this hour (writing continues it).
    const stale = listParts(this.opts.dir).filter(
      (p) =>
        p.files.some((f) => f.format === "csv") &&
        (p.hour !== currentHour || p.files.some((f) => f.format === "parquet")),
    );
    for (const p of stale) this.convertLater(p.files);
  }

  /** Write one round; returns the number of sample rows written (0 when dropped). */
  writeRound(round: RoundResult, meta: RoundMeta): number {
    const hour = hourKey(round.timestamp);
    if (hour !== this.hour) this.openHour(hour);
    const chunks = new Map<TableName, string[]>(TABLE_NAMES.map((t) => [t, []]));
    for (const st of round.newStacks) this.stackText.set(hashHex(st.hash), st.frames.join(";"));
    for (const s of round.samples) chunks.get("samples")!.push(this.sampleLine(s, chunks));
    for (const e of round.syscallEnds) chunks.get("syscend")!.push(csvLine("syscend", syscendRecord(e)));
    for (const e of round.ioEnds) chunks.get("iorqend")!.push(csvLine("iorqend", iorqendRecord(e)));
    // Dictionaries first: a sample row is never on disk before what it refers to.
    let ok = true;
    for (const t of ["kstacks", "ustacks", "cgroups", "syscend", "iorqend", "samples"] as TableName[]) {
      const lines = chunks.get(t)!;
      if (lines.length > 0 && ok) ok = this.append(t, lines.join(""));
    }
    const dropped = ok ? 0 : round.samples.length;
    if (!ok) {
      // Forget dictionary entries of this round: they may not be on disk.
      for (const l of chunks.get("kstacks")!) this.seenKstacks.delete(l.slice(0, l.indexOf(",")));
      for (const l of chunks.get("ustacks")!) this.seenUstacks.delete(l.slice(0, l.indexOf(",")));
      for (const l of chunks.get("cgroups")!) this.seenCgroups.delete(l.slice(0, l.indexOf(",")));
      this.noteDropped(dropped);
    }
    const roundLine = csvLine("rounds", {
      timestamp: formatTimestampUs(round.timestamp),
      weight_us: meta.weightUs,
      source: meta.source,
      threads_seen: round.threadsSeen,
      sample_rows: ok ? round.samples.length : 0,
      cpu_us: Math.round(meta.cpuUs),
      lost: meta.lost,
      dropped_rows: dropped,
      lost_rounds: round.lostBefore ?? 0,
      late_rounds: round.lateBefore ?? 0,
      self_active: round.selfActive ?? null,
    });
    if (ok && this.append("rounds", roundLine)) {
      if (this.dropping > 0) {
        this.opts.notice(`tsnap capture: writing again after dropping ${this.dropping} rows (disk full)`);
        this.dropping = 0;
      }
      this.rowsWritten += round.samples.length;
      return round.samples.length;
    }
    if (ok) this.noteDropped(0);
    return 0;
  }

  /** Close the open hour (if `nowUs` is past it) so it gets converted. */
  tick(nowUs: number): void {
    if (this.hour !== null && hourKey(nowUs) !== this.hour) this.closeHour();
  }

  /** Close the open part, convert it, and wait for every pending conversion. */
  async close(): Promise<void> {
    this.closeHour();
    await this.conversions;
  }

  /** Wait for background conversions (tests, shutdown). */
  async settled(): Promise<void> {
    await this.conversions;
  }

  private sampleLine(s: Sample, chunks: Map<TableName, string[]>): string {
    let kh: string | null = s.kstack_hash !== null ? hashHex(s.kstack_hash) : null;
    if (kh === null && s.kstack) {
      kh = this.textHash.get(s.kstack) ?? null;
      if (kh === null) {
        kh = hashHex(fnv1a64(s.kstack));
        if (this.textHash.size > 100_000) this.textHash.clear();
        this.textHash.set(s.kstack, kh);
      }
      this.stackText.set(kh, s.kstack);
    }
    if (kh !== null && !this.seenKstacks.has(kh)) {
      const syms = this.stackText.get(kh);
      if (syms !== undefined) {
        this.seenKstacks.add(kh);
        chunks.get("kstacks")!.push(csvLine("kstacks", { kstack_hash: kh, kstack_syms: syms }));
      }
    }
    const uh = s.ustack_hash !== null ? hashHex(s.ustack_hash) : null;
    if (uh !== null && !this.seenUstacks.has(uh)) {
      const syms = this.stackText.get(uh);
      if (syms !== undefined) {
        this.seenUstacks.add(uh);
        chunks.get("ustacks")!.push(csvLine("ustacks", { ustack_hash: uh, ustack_syms: syms }));
      }
    }
    let cg: bigint | number | null = s.cgroup_id;
    if (cg === null && s.cgroup) cg = fnv1a64(s.cgroup) & 0x7fffffffffffffffn;
    if (cg !== null && s.cgroup) {
      const key = String(cg);
      if (!this.seenCgroups.has(key)) {
        this.seenCgroups.add(key);
        chunks.get("cgroups")!.push(csvLine("cgroups", { cgroup_id: cg, cgroup_path: s.cgroup }));
      }
    }
    return csvLine("samples", sampleRecord(s, kh, uh, cg) as Record<string, CellValue>);
  }

  private openHour(hour: string): void {
    this.closeHour();
    this.hour = hour;
    // Continue a CSV part left by a crash in this same hour; otherwise start a new part.
    const parts = listParts(this.opts.dir).filter((p) => p.hour === hour);
    const last = parts.at(-1);
    // Only a part written with this schema's columns: rows are never appended under the
    // header of another version (e.g. before columns were added to `rounds`).
    const resume =
      (last?.files.every((f) => f.format === "csv") ?? false) &&
      last!.files.every((f) => sameHeader(join(this.opts.dir, f.name), f.table));
    this.part = last === undefined ? 0 : resume ? last.part : last.part + 1;
    this.seenKstacks.clear();
    this.seenUstacks.clear();
    this.seenCgroups.clear();
    if (resume) this.opts.notice(`tsnap capture: continuing ${hour} part ${this.part} after an unclean stop`);
  }

  private closeHour(): void {
    if (this.hour === null) return;
    const closed: PartitionFile[] = [];
    for (const [table, f] of this.files) {
      try {
        fsyncSync(f.fd);
      } catch {
        // best effort
      }
      closeSync(f.fd);
      closed.push({
        name: partitionName("tsnap", table, this.hour, this.part, "csv"),
        producer: "tsnap",
        table,
        hour: this.hour,
        part: this.part,
        format: "csv",
      });
    }
    this.files.clear();
    this.hour = null;
    if (closed.length > 0) this.convertLater(closed);
  }

  private convertLater(files: PartitionFile[]): void {
    if (this.opts.format !== "parquet") return;
    this.conversions = this.conversions.then(() =>
      convertPart(this.opts.dir, files).catch((err: Error) => {
        this.opts.notice(
          `tsnap capture: could not convert ${files[0]?.hour} to Parquet, CSV kept: ${err.message.split("\n")[0]}`,
        );
      }),
    );
  }

  private append(table: TableName, text: string): boolean {
    let f: OpenFile;
    try {
      f = this.file(table);
    } catch (err) {
      if (isSpaceError(err)) return false;
      throw err;
    }
    const buf = Buffer.from(text, "utf8");
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(f.fd, buf, off, buf.length - off, f.size + off);
      f.size += buf.length;
      return true;
    } catch (err) {
      if (!isSpaceError(err)) throw err;
      try {
        ftruncateSync(f.fd, f.size); // back to the last whole row
      } catch {
        // nothing more we can do; readers skip a torn last line
      }
      return false;
    }
  }

  private file(table: TableName): OpenFile {
    const open = this.files.get(table);
    if (open) return open;
    const path = join(this.opts.dir, partitionName("tsnap", table, this.hour!, this.part, "csv"));
    const fd = openSync(path, "a+");
    let size = statSync(path).size;
    if (size > 0) size = lastNewline(fd, size); // drop a torn last line from a crash
    ftruncateSync(fd, size);
    const f = { fd, size };
    this.files.set(table, f);
    if (size === 0) {
      const header = Buffer.from(csvHeader(table));
      try {
        writeSync(fd, header, 0, header.length, 0);
        f.size = header.length;
      } catch (err) {
        ftruncateSync(fd, 0);
        this.files.delete(table);
        closeSync(fd);
        throw err;
      }
    }
    return f;
  }

  private noteDropped(rows: number): void {
    if (this.dropping === 0) {
      this.opts.notice(`tsnap capture: disk full in ${this.opts.dir}: dropping rows until space is back`);
    }
    this.dropping += rows;
    this.droppedTotal += rows;
  }
}

function isSpaceError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG";
}

/** Offset just after the last newline in the first `size` bytes of fd. */
function lastNewline(fd: number, size: number): number {
  const buf = Buffer.alloc(Math.min(size, 1 << 16));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const i = buf.subarray(0, n).lastIndexOf(10);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}

/** True when a CSV file is empty or starts with this schema's header for its table. */
function sameHeader(path: string, table: TableName): boolean {
  try {
    const fd = openSync(path, "r");
    try {
      const want = csvHeader(table);
      const buf = Buffer.alloc(want.length);
      const n = readSync(fd, buf, 0, buf.length, 0);
      return n === 0 || buf.subarray(0, n).toString("utf8") === want;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
