// The hourly partition writer. Rows of the open hour go to append-only CSV files, one
// write per table per round (so `kill -9` loses at most the round being written); when
// the hour closes (or on clean shutdown) its files become Parquet in the background, in
// a short-lived child process (convert-child.ts: DuckDB never loads into the capture).
// Every stack hash and cgroup id used in a part is written to that part's dictionary.
// A failed write (disk full, an immutable or deleted file, a vanished directory) is
// rolled back to the last whole row, counted, warned about once with the path, and
// writing resumes when it can; every round keeps its `rounds` row (held in memory while
// nothing can be written). Files are opened through safe-fs (no symlinks, explicit modes).
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { formatError } from "../errors.js";
import type { Sample } from "../model/sample.js";
import type { RoundResult } from "../model/sampler.js";
import { prepareCaptureDir } from "./capture-dir.js";
import { convertPartInChild } from "./convert-child.js";
import { csvHeader, csvLine, iorqendRecord, sampleCsvLine, syscendRecord } from "./csv-row.js";
import { type FileFormat, formatTimestampUs, hourKey, type PartitionFile, partitionName } from "./files.js";
import { listParts } from "./parts.js";
import { type Access, openAppend } from "./safe-fs.js";
import type { TableName } from "./schema.js";
import { fnv1a64, hashHex } from "./stack-hash.js";

/** Tables of dictionary rows, written before the rows that refer to them. */
const DICTIONARIES: TableName[] = ["kstacks", "ustacks", "cgroups"];

export interface StoreOptions {
  dir: string;
  /** Format of closed hours; "csv" keeps the CSV files as they are. */
  format: FileFormat;
  /** Warnings and progress lines (stderr / journal). */
  notice(line: string): void;
  /** Modes of the files (default private: 0600). */
  access?: Access;
  /** Recreate the directory after it vanished (default: mkdir with the access modes). */
  recreateDir?: () => void;
}

/** Rounds rows kept in memory while nothing can be written (about 100 bytes each). */
const MAX_PENDING_ROUNDS = 100_000;

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
  private hexOf = new Map<bigint, string>();
  private conversions: Promise<void> = Promise.resolve();
  /** Rows dropped since the last successful write, and why writing fails (null: it works). */
  private dropping = 0;
  private failing: string | null = null;
  /** Rounds rows not yet on disk, oldest first. */
  private pendingRounds: string[] = [];
  private dirId: { dev: number; ino: number } | null = null;
  private dirLost = false;
  /** An hour whose open part lost a file: the next part must not continue it. */
  private noResume: string | null = null;
  droppedTotal = 0;
  /** Rounds rows that could not be kept (more than MAX_PENDING_ROUNDS unwritten). */
  roundsLost = 0;
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
    if (!this.checkDir()) {
      this.noteDropped(round.samples.length);
      this.queueRound(round, meta, false);
      return 0;
    }
    if (hour !== this.hour) this.openHour(hour);
    const chunks = new Map<TableName, string[]>(DICTIONARIES.map((t) => [t, []]));
    for (const st of round.newStacks) this.stackText.set(this.hex(st.hash), st.frames.join(";"));
    // The samples rows as one string (built by concatenation: no array of lines to join).
    let samples = "";
    for (const s of round.samples) samples += this.sampleLine(s, chunks);
    let ends = "";
    for (const e of round.syscallEnds) ends += csvLine("syscend", syscendRecord(e));
    let io = "";
    for (const e of round.ioEnds) io += csvLine("iorqend", iorqendRecord(e));
    // Dictionaries first: a sample row is never on disk before what it refers to.
    let ok = true;
    for (const t of DICTIONARIES) {
      const lines = chunks.get(t)!;
      if (lines.length > 0 && ok) ok = this.append(t, lines.join(""));
    }
    if (ends !== "" && ok) ok = this.append("syscend", ends);
    if (io !== "" && ok) ok = this.append("iorqend", io);
    if (samples !== "" && ok) ok = this.append("samples", samples);
    const dropped = ok ? 0 : round.samples.length;
    if (!ok) {
      // Forget dictionary entries of this round: they may not be on disk.
      for (const l of chunks.get("kstacks")!) this.seenKstacks.delete(l.slice(0, l.indexOf(",")));
      for (const l of chunks.get("ustacks")!) this.seenUstacks.delete(l.slice(0, l.indexOf(",")));
      for (const l of chunks.get("cgroups")!) this.seenCgroups.delete(l.slice(0, l.indexOf(",")));
      this.noteDropped(dropped);
    }
    this.queueRound(round, meta, ok);
    const flushed = this.flushRounds();
    if (ok && flushed && this.failing !== null) {
      this.opts.notice(`tsnap capture: writing again after dropping ${this.dropping} rows (${this.failing})`);
      this.dropping = 0;
      this.failing = null;
    }
    if (!ok) return 0;
    this.rowsWritten += round.samples.length;
    return round.samples.length;
  }

  /** Rounds rows still in memory (not yet written). */
  get pendingRoundRows(): number {
    return this.pendingRounds.length;
  }

  private queueRound(round: RoundResult, meta: RoundMeta, ok: boolean): void {
    this.pendingRounds.push(
      csvLine("rounds", {
        timestamp: formatTimestampUs(round.timestamp),
        weight_us: meta.weightUs,
        source: meta.source,
        threads_seen: round.threadsSeen,
        sample_rows: ok ? round.samples.length : 0,
        cpu_us: Math.round(meta.cpuUs),
        lost: meta.lost,
        dropped_rows: ok ? 0 : round.samples.length,
        lost_rounds: round.lostBefore ?? 0,
        late_rounds: round.lateBefore ?? 0,
        self_active: round.selfActive ?? null,
      }),
    );
    if (this.pendingRounds.length > MAX_PENDING_ROUNDS) {
      this.pendingRounds.shift();
      if (this.roundsLost++ === 0)
        this.opts.notice(
          `tsnap capture: over ${MAX_PENDING_ROUNDS} rounds rows unwritten: dropping the oldest`,
        );
    }
  }

  /** Write the rounds rows held in memory (rows of earlier hours go to the open hour's file). */
  private flushRounds(): boolean {
    if (this.pendingRounds.length === 0) return true;
    if (this.hour === null || !this.append("rounds", this.pendingRounds.join(""))) return false;
    this.pendingRounds = [];
    return true;
  }

  /**
   * Is the directory (still) there? A vanished or replaced directory is recreated (a new
   * part starts in it) or waited for; a deleted file of the open part starts a new part.
   */
  private checkDir(): boolean {
    const dir = this.opts.dir;
    const st = lstatOrNull(dir);
    const same =
      st?.isDirectory() && (this.dirId === null || (st.dev === this.dirId.dev && st.ino === this.dirId.ino));
    if (same && !this.dirLost) {
      this.dirId ??= { dev: st!.dev, ino: st!.ino };
      for (const [table, f] of this.files) {
        if (fstatSync(f.fd).nlink > 0) continue;
        const name = partitionName("tsnap", table, this.hour!, this.part, "csv");
        this.opts.notice(
          `tsnap capture: ${join(dir, name)} was deleted: starting a new part of ${this.hour}`,
        );
        this.noResume = this.hour;
        this.closeHour();
        break;
      }
      return true;
    }
    if (!this.dirLost) this.dropFiles();
    try {
      (this.opts.recreateDir ?? (() => defaultRecreate(dir)))();
      const now = lstatOrNull(dir)!;
      this.dirId = { dev: now.dev, ino: now.ino };
    } catch (err) {
      if (!this.dirLost) {
        this.opts.notice(
          `tsnap capture: ${dir} vanished and cannot be recreated (${formatError(err).replace(/^tsnap: /, "")}): dropping rows until it can`,
        );
        this.failing ??= `${dir} missing`;
        this.dirLost = true;
      }
      return false;
    }
    this.opts.notice(
      this.dirLost
        ? `tsnap capture: ${dir} recreated after dropping ${this.dropping} rows`
        : `tsnap capture: ${dir} vanished (deleted or replaced): recreated it, rows of the open hour written before are gone`,
    );
    if (this.dirLost) {
      this.dropping = 0;
      this.failing = null;
    }
    this.dirLost = false;
    return true;
  }

  /** Forget the open files of a directory that is gone (nothing left to convert). */
  private dropFiles(): void {
    for (const f of this.files.values()) closeSync(f.fd);
    this.files.clear();
    this.hour = null;
  }

  /**
   * CSV lines (`rows` of them) of a table written beside the samples (lathist), into the
   * hour the last writeRound opened; false when dropped (disk full, counted like samples).
   */
  appendCsv(table: TableName, text: string | Buffer, rows: number): boolean {
    if (rows === 0 || this.hour === null) return true;
    const ok = this.append(table, text);
    if (!ok) this.noteDropped(rows);
    return ok;
  }

  /** Close the open hour (if `nowUs` is past it) so it gets converted. */
  tick(nowUs: number): void {
    if (this.hour !== null && hourKey(nowUs) !== this.hour) this.closeHour();
  }

  /** Close the open part, convert it, and wait for every pending conversion. */
  async close(): Promise<void> {
    this.closeHour();
    if (this.pendingRounds.length > 0)
      this.opts.notice(
        `tsnap capture: ${this.pendingRounds.length} rounds rows could not be written (${this.failing ?? "no space"})`,
      );
    await this.conversions;
  }

  /** Wait for background conversions (tests, shutdown). */
  async settled(): Promise<void> {
    await this.conversions;
  }

  /** hashHex, remembered (a machine's threads share a few hundred stacks). */
  private hex(h: bigint): string {
    let v = this.hexOf.get(h);
    if (v === undefined) {
      v = hashHex(h);
      if (this.hexOf.size >= 100_000) this.hexOf.clear();
      this.hexOf.set(h, v);
    }
    return v;
  }

  private sampleLine(s: Sample, chunks: Map<TableName, string[]>): string {
    let kh: string | null = s.kstack_hash !== null ? this.hex(s.kstack_hash) : null;
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
    const uh = s.ustack_hash !== null ? this.hex(s.ustack_hash) : null;
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
    return sampleCsvLine(s, kh, uh, cg);
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
      this.noResume !== hour &&
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
    this.flushRounds();
    const closed: PartitionFile[] = [];
    for (const [table, f] of this.files) {
      try {
        fsyncSync(f.fd);
      } catch {
        // best effort
      }
      closeSync(f.fd);
      const name = partitionName("tsnap", table, this.hour, this.part, "csv");
      if (!existsSync(join(this.opts.dir, name))) continue; // deleted under us
      closed.push({
        name,
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
      convertPartInChild(this.opts.dir, files, this.opts.notice).catch((err: Error) => {
        this.opts.notice(
          `tsnap capture: could not convert ${files[0]?.hour} to Parquet, CSV kept: ${err.message.split("\n")[0]}`,
        );
      }),
    );
  }

  private append(table: TableName, text: string | Buffer): boolean {
    let f: OpenFile;
    try {
      f = this.file(table);
    } catch (err) {
      this.noteFailure(err, table);
      return false;
    }
    const buf = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(f.fd, buf, off, buf.length - off, f.size + off);
      f.size += buf.length;
      return true;
    } catch (err) {
      this.noteFailure(err, table);
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
    const fd = openAppend(path, this.opts.access ?? {});
    let size = fstatSync(fd).size;
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

  /** A write or open failed: say so once per episode, with the path and the reason. */
  private noteFailure(err: unknown, table: TableName): void {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (typeof code !== "string") throw err; // a bug, not the file system
    if (this.failing !== null) return;
    const path = join(this.opts.dir, partitionName("tsnap", table, this.hour!, this.part, "csv"));
    if (code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG") {
      this.failing = "disk full";
      this.opts.notice(`tsnap capture: disk full in ${this.opts.dir}: dropping rows until space is back`);
    } else {
      const why = formatError(err)
        .replace(/^tsnap: /, "")
        .replace(`${path}: `, "");
      this.failing = `could not write ${path}`;
      this.opts.notice(`tsnap capture: cannot write ${path}: ${why}: dropping rows until it can be written`);
    }
  }

  private noteDropped(rows: number): void {
    this.dropping += rows;
    this.droppedTotal += rows;
  }
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function defaultRecreate(dir: string): void {
  prepareCaptureDir(dir, {});
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
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
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
