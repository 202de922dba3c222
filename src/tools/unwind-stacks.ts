// What profile and offcputime share for --unwind dwarf (perf --call-graph dwarf's user-space
// half): the record layout of lib/ustack.bpf.h, the flag, the ring's size, and a collector
// that unwinds each record as it is drained (the process's mappings read at first sight,
// each file's .eh_frame rows cached: platform/unwind-tables.ts) and sums equal stacks into
// the rows the stack printers take (report/stack-report.ts), as the frame-pointer path does.
import { readFileSync } from "node:fs";
import type { Collection } from "../bpf/collection.js";
import { pageSize } from "../bpf/libbpf.js";
import type { RingBuffer } from "../bpf/ringbuf.js";
import { type Flag, numberFlag } from "../command/args.js";
import { UsageError } from "../errors.js";
import { parseCpuList } from "../platform/cpus.js";
import { type UnwindEnd, unwindStack } from "../platform/dwarf-unwind.js";
import { UnwindTables } from "../platform/unwind-tables.js";
import type { StackRow } from "../report/stack-report.js";
import { cString, layout } from "../sources/bpf/records.js";
import type { StackResolver } from "./stack-tool.js";

/** The record of lib/ustack.bpf.h (its _Static_assert checks the size); stack bytes follow. */
export const USTACK_REC = layout("ustack_rec", [
  ["kind", "u32"],
  ["tgid", "u32"],
  ["tid", "u32"],
  ["kern_stack_id", "s32"],
  ["value", "u64"],
  ["ts", "u64"],
  ["ip", "u64"],
  ["sp", "u64"],
  ["bp", "u64"],
  ["stack_len", "u32"],
  ["flags", "u32"],
  ["comm", { array: "char", len: 16 }],
]);
export const USTACK_COUNT = 1;
export const USTACK_PENDING = 2;
export const USTACK_VALUE = 3;
const USTACK_F_NO_USER = 1;
/** USTACK_MAX_BYTES of lib/ustack.bpf.h. */
export const USTACK_MAX_BYTES = 65536;

export type Unwind = { mode: "fp" } | { mode: "dwarf"; bytes: number };
/** What --unwind says: a mode, or auto (absent: the tool picks, stack-tool.ts stackOptions). */
export type UnwindChoice = Unwind | { mode: "auto" };

/** `--unwind auto|fp|dwarf[,BYTES]` (perf's `--call-graph dwarf,8192`); dwarf copies 8 KiB by default. */
export function parseUnwind(raw: string | undefined): UnwindChoice {
  if (raw === undefined || raw === "auto") return { mode: "auto" };
  if (raw === "fp") return { mode: "fp" };
  const m = /^dwarf(?:,(.*))?$/.exec(raw);
  if (!m) throw new UsageError(`--unwind must be auto, fp or dwarf[,BYTES], got '${raw}'`);
  const bytes = numberFlag(m[1], "--unwind dwarf,BYTES", {
    min: 64,
    max: USTACK_MAX_BYTES,
    integer: true,
    fallback: 8192,
  });
  return { mode: "dwarf", bytes: Math.ceil(bytes / 8) * 8 };
}

/** Slots of a per-CPU scratch ARRAY map: the highest possible CPU + 1. */
export function possibleCpuSlots(text = readFileSync("/sys/devices/system/cpu/possible", "utf8")): number {
  return Math.max(0, ...parseCpuList(text)) + 1;
}

/** A ring of a power of two bytes, at least `bytesPerSecond` × 0.5 s (drained every 100 ms), 1-64 MiB. */
export function ringBytes(bytesPerSecond: number): number {
  let n = 1 << 20;
  while (n < bytesPerSecond / 2 && n < 64 << 20) n *= 2;
  return n;
}

interface Summed {
  id: number;
  tgid: number;
  comm: string;
  kid: number;
  /** Return addresses leaf first; null: no user stack (a kernel thread). */
  pcs: number[] | null;
  value: number;
}

export interface UnwindStats {
  records: number;
  /** Bytes of records drained (headers and stack copies). */
  bytes: number;
  /** Stacks unwound, and how their walks ended. */
  stacks: number;
  /** Time spent decoding and unwinding records (ms). */
  unwindMs: number;
  ends: Record<UnwindEnd, number>;
}

/** Sums unwound stacks of drained records; `idOf` picks the row's id (profile: process, offcputime: thread). */
export class DwarfCollector {
  private readonly tables = new UnwindTables();
  private readonly sums = new Map<string, Summed>();
  private readonly pending = new Map<number, { ts: number; key: string; s: Summed }>();
  readonly stats: UnwindStats = {
    records: 0,
    bytes: 0,
    stacks: 0,
    unwindMs: 0,
    ends: { outermost: 0, "no-cfi": 0, "stack-end": 0, "bad-frame": 0, depth: 0 },
  };

  constructor(
    private readonly stacks: StackResolver,
    private readonly idOf: "tgid" | "tid",
  ) {}

  /** One ring-buffer record (`len` bytes at `off` of `buf`, valid only during the call). */
  add(buf: Buffer, off: number, len: number): void {
    const t0 = performance.now();
    this.record(buf, off, len);
    this.stats.unwindMs += performance.now() - t0;
  }

  private record(buf: Buffer, off: number, len: number): void {
    const R = USTACK_REC.off;
    if (len < USTACK_REC.size) return;
    this.stats.records++;
    this.stats.bytes += len;
    const u64 = (at: number) => buf.readUInt32LE(off + at) + buf.readUInt32LE(off + at + 4) * 2 ** 32;
    const kind = buf.readUInt32LE(off + R.kind);
    const tid = buf.readUInt32LE(off + R.tid);
    if (kind === USTACK_VALUE) {
      const p = this.pending.get(tid);
      if (!p || p.ts !== u64(R.ts)) return;
      this.pending.delete(tid);
      this.sum(p.key, p.s, u64(R.value));
      return;
    }
    const tgid = buf.readUInt32LE(off + R.tgid);
    const s: Summed = {
      id: this.idOf === "tgid" ? tgid : tid,
      tgid,
      comm: cString(buf, off + R.comm, 16),
      kid: buf.readInt32LE(off + R.kern_stack_id),
      pcs: null,
      value: 0,
    };
    if (!(buf.readUInt32LE(off + R.flags) & USTACK_F_NO_USER)) {
      const stackLen = Math.min(buf.readUInt32LE(off + R.stack_len), len - USTACK_REC.size);
      const start = off + USTACK_REC.size;
      const users = this.stacks.users;
      const lookup = this.tables.lookup(tgid, (a) => users.mappingAt(tgid, a));
      const r = unwindStack(
        { ip: u64(R.ip), sp: u64(R.sp), bp: u64(R.bp) },
        { start: u64(R.sp), bytes: buf.subarray(start, start + stackLen) },
        lookup,
      );
      s.pcs = r.pcs;
      this.stats.stacks++;
      this.stats.ends[r.end]++;
    }
    const key = `${s.id}\0${tgid}\0${s.comm}\0${s.kid}\0${s.pcs?.join(",") ?? "-"}`;
    if (kind === USTACK_COUNT) this.sum(key, s, u64(R.value));
    else if (kind === USTACK_PENDING) this.pending.set(tid, { ts: u64(R.ts), key, s });
  }

  private sum(key: string, s: Summed, v: number): void {
    const had = this.sums.get(key);
    if (had) had.value += v;
    else this.sums.set(key, { ...s, value: v });
  }

  /** The summed stacks as report rows, symbolized; `value` converts a sum (ns → µs). */
  rows(o: { userOnly: boolean }, value: (v: number) => number): { rows: StackRow[]; lost: number } {
    const rows: StackRow[] = [];
    let lost = 0;
    for (const s of this.sums.values()) {
      const kernel = this.stacks.kernelSide(s.kid, !o.userOnly);
      if (kernel.kind === "missed") lost++;
      rows.push({
        comm: s.comm,
        id: s.id,
        user:
          s.pcs === null
            ? { kind: "none" }
            : { kind: "frames", frames: s.pcs.map((pc) => this.stacks.users.name(s.tgid, pc)) },
        kernel,
        value: value(s.value),
      });
    }
    return { rows, lost };
  }
}

/** Before load: the ring's and scratch map's sizes (the smallest when not unwinding). */
export function sizeUnwindMaps(col: Collection, u: Unwind, bytesPerSecond: number): void {
  col.setMaxEntries("ustacks", u.mode === "dwarf" ? ringBytes(bytesPerSecond) : pageSize());
  col.setMaxEntries("ustack_scratch", u.mode === "dwarf" ? possibleCpuSlots() : 1);
}

/** After load: the ring's reader, owned by the collection (lost() counts what the kernel could not write). */
export function openUnwindRing(col: Collection): RingBuffer {
  return col.ringBuffer("ustacks", { map: "ustack_lost", index: 0 });
}

/** `--unwind auto|fp|dwarf[,BYTES]`, declared once for profile and offcputime. */
export const UNWIND_FLAG: Flag<UnwindChoice> = {
  long: "unwind",
  arg: "auto|fp|dwarf[,BYTES]",
  help:
    "how user stacks are walked: fp follows frame pointers in the kernel; dwarf " +
    "copies the user registers and the top BYTES of the user stack (default 8192) into a ring " +
    "buffer and unwinds them with each file's .eh_frame in tsnap (perf --call-graph dwarf): " +
    "full stacks through code built without frame pointers (Debian's libc), at ~BYTES a sample; " +
    "auto (default): profile with -p/-L uses dwarf, everything else fp",
  parse: (raw) => parseUnwind(raw === undefined ? undefined : String(raw)),
};
