// What profile and offcputime share: reading a BPF_MAP_TYPE_STACK_TRACE map, turning stack
// ids into symbolized StackSides (kernel frames from kallsyms, user frames through the
// process's maps, cached per id), loading a stack tool's object (one collection, one load,
// one close), running for a duration or until Ctrl-C while learning new processes' maps at
// first sight, and the words for load failures.
import type { Collection } from "../bpf/collection.js";
import { kernelSymbols } from "../bpf/kallsyms.js";
import { mapEntries, mapLookup } from "../bpf/maps.js";
import type { Link } from "../bpf/object.js";
import { loadToolObject } from "../bpf/tool-object.js";
import { decimalFlag, numberFlag, switchFlag, textFlag } from "../command/args.js";
import type { Io } from "../command/command.js";
import { UsageError } from "../errors.js";
import { frameName } from "../model/derived-columns.js";
import { waitOrAbort } from "../platform/abortable-sleep.js";
import { UserSymbolizer } from "../platform/user-symbols.js";
import {
  renderFolded,
  renderText,
  type StackReportOptions,
  type StackRow,
  type StackSide,
} from "../report/stack-report.js";
import { cString, type Layout } from "../sources/bpf/records.js";
import type { Palette } from "./flame/colors.js";
import { foldedSvg, writeReport } from "./flame/folded-svg.js";
import {
  DwarfCollector,
  openUnwindRing,
  sizeUnwindMaps,
  UNWIND_FLAG,
  type Unwind,
  type UnwindChoice,
  type UnwindStats,
} from "./unwind-stacks.js";

/** The flags profile and offcputime share (bcc's letters), declared once. */
export const STACK_FLAGS = {
  userOnly: switchFlag({ long: "user-stacks-only", short: "U", help: "user stacks only (no kernel frames)" }),
  kernelOnly: switchFlag({
    long: "kernel-stacks-only",
    short: "K",
    help: "kernel stacks only (no user frames)",
  }),
  delimited: switchFlag({
    long: "delimited",
    short: "d",
    help: 'a "--" (text) or "-" (folded) between kernel and user stacks',
  }),
  folded: switchFlag({
    long: "folded",
    short: "f",
    help: 'one line per stack, "comm;root;...;leaf value" (flame graphs)',
  }),
  stackStorageSize: decimalFlag({
    long: "stack-storage-size",
    arg: "N",
    help: "distinct stacks kept (default 16384)",
    min: 1,
    max: 1 << 22,
    integer: true,
    fallback: 16384,
  }),
  unwind: UNWIND_FLAG,
  output: textFlag({
    long: "output",
    short: "o",
    arg: "FILE",
    help: "write the report to FILE; a FILE ending in .svg gets the flame graph (as tsnap flame draws it)",
  }),
};

/** True when -o names an SVG file: the flame graph is written instead of text. */
export const isSvgPath = (path: string | undefined): boolean => path?.toLowerCase().endsWith(".svg") === true;

/** bcc's DURATION positional: seconds, or Infinity (until Ctrl-C) when absent. */
export function durationPositional(text: string | undefined): number {
  return text === undefined
    ? Number.POSITIVE_INFINITY
    : numberFlag(text, "DURATION", { min: 0.01, fallback: 0 });
}

/**
 * The stack options common to both tools, with their exclusions checked; the unwinding
 * to load (-K, kernel stacks only: no user stack to copy, so frame pointers). `--unwind
 * auto` (the default) is dwarf where the tool says the cost is bounded (`autoDwarf`:
 * profile of one process or thread, at most HZ × CPUs copies a second), else fp.
 */
export function stackOptions(
  v: { userOnly: boolean; kernelOnly: boolean; pid: number | null; tid: number | null; unwind: UnwindChoice },
  tidLabel: string,
  autoDwarf = false,
): Unwind {
  if (v.userOnly && v.kernelOnly) throw new UsageError("-U and -K exclude each other");
  if (v.pid !== null && v.tid !== null) throw new UsageError(`-p and ${tidLabel} exclude each other`);
  if (v.kernelOnly) return { mode: "fp" };
  if (v.unwind.mode !== "auto") return v.unwind;
  return autoDwarf ? { mode: "dwarf", bytes: AUTO_DWARF_BYTES } : { mode: "fp" };
}

/** The stack bytes --unwind auto copies (perf's default for --call-graph dwarf). */
export const AUTO_DWARF_BYTES = 8192;

/** Frames per stack in the stack map (the kernel's PERF_MAX_STACK_DEPTH default). */
export const MAX_STACK_DEPTH = 127;
const EFAULT = 14;

/** A stack id's addresses, leaf first (empty when the id is unknown). */
export function readStack(
  stackFd: number,
  id: number,
  scratch = Buffer.alloc(MAX_STACK_DEPTH * 8),
): bigint[] {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(id);
  if (!mapLookup(stackFd, key, scratch)) return [];
  const out: bigint[] = [];
  for (let i = 0; i < MAX_STACK_DEPTH; i++) {
    const a = scratch.readBigUInt64LE(i * 8);
    if (a === 0n) break;
    out.push(a);
  }
  return out;
}

/** The BPF program and tracepoint glue at the leaf of a stack taken in a hook (perf_*: a tracepoint program's). */
const HOOK_FRAME =
  /^(bpf_prog_|bpf_trace_run|__bpf_trace_|__traceiter_|bpf_get_stack|perf_trace_|perf_syscall_|trace_call_bpf)/;

/** Kernel frames (leaf first) without the leading frames of the hook that took them. */
export function dropHookFrames(frames: string[]): string[] {
  let i = 0;
  while (i < frames.length && HOOK_FRAME.test(frames[i])) i++;
  return i === 0 ? frames : frames.slice(i);
}

export class StackResolver {
  readonly users = new UserSymbolizer();
  private readonly kernel = new Map<number, StackSide>();
  private readonly user = new Map<string, StackSide>();
  private readonly scratch = Buffer.alloc(MAX_STACK_DEPTH * 8);

  constructor(private readonly stackFd: number) {}

  /** The kernel stack of an id (negative: not collected, or missed). */
  kernelSide(id: number, collected: boolean): StackSide {
    if (!collected || id === -EFAULT) return { kind: "none" };
    if (id < 0) return { kind: "missed" };
    let s = this.kernel.get(id);
    if (!s) {
      const syms = kernelSymbols();
      const frames = readStack(this.stackFd, id, this.scratch).map((a) => frameName(syms.symbolize(a)));
      s = { kind: "frames", frames: dropHookFrames(frames) };
      this.kernel.set(id, s);
    }
    return s;
  }

  /** The user stack of an id in process `tgid` (a kernel thread has none: -EFAULT). */
  userSide(id: number, tgid: number, collected: boolean): StackSide {
    if (!collected || id === -EFAULT) return { kind: "none" };
    if (id < 0) return { kind: "missed" };
    const key = `${tgid}:${id}`;
    let s = this.user.get(key);
    if (!s) {
      const addrs = readStack(this.stackFd, id, this.scratch);
      s = { kind: "frames", frames: addrs.map((a) => this.users.name(tgid, Number(a))) };
      this.user.set(key, s);
    }
    return s;
  }
}

/**
 * Waits `seconds` (Infinity: until the signal), calling `tick` about every `everyMs`: the
 * command reads its map's keys then, so that a process's maps are read at first sight
 * (or drains its ring buffer: --unwind dwarf).
 */
export async function runFor(
  seconds: number,
  signal: AbortSignal,
  tick: () => void,
  everyMs = 1000,
): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!signal.aborted) {
    const left = end - Date.now();
    if (left <= 0) break;
    if (await waitOrAbort(Math.min(everyMs, left), signal)) break;
    tick();
  }
}

/** The processes (u32 at `pidOff` of each key) in a counting map now. */
export function seenProcesses(fd: number, keySize: number, valueSize: number, pidOff: number): Set<number> {
  const out = new Set<number>();
  for (const [k] of mapEntries(fd, keySize, valueSize)) out.add(k.readUInt32LE(pidOff));
  return out;
}

/** What a stack tool's object holds: a STACK_TRACE map `stackmap` and a counting hash map. */
export interface StackObject {
  /** The object's name (build/bpf/<name>.bpf.o), also the tool's in error messages. */
  name: string;
  /** The only programs loaded (the variant picked after probing). */
  programs: readonly string[];
  config: Buffer;
  /** The counting map, sized like the stack map (--stack-storage-size). */
  counts: string;
  stackStorageSize: number;
  /** --unwind, and the bytes a second its ring must take in dwarf mode. */
  unwind: Unwind;
  ringBytesPerSecond: number;
}

/**
 * Opens, configures and loads a stack tool's object (one verifier load of `programs`
 * only), then attaches through `attach`; on any failure everything is closed and a
 * refused privilege is said as such. The caller owns the collection (one close).
 */
export function loadStackObject(o: StackObject, attach: (col: Collection) => void): Collection {
  return loadToolObject({
    name: o.name,
    programs: o.programs,
    config: o.config,
    maxEntries: { stackmap: o.stackStorageSize, [o.counts]: o.stackStorageSize },
    beforeLoad: (col) => sizeUnwindMaps(col, o.unwind, o.ringBytesPerSecond),
    attach,
  });
}

/**
 * Runs a loaded stack tool for `durationS` (or until the signal), learning processes' maps
 * at first sight, detaches `links` (no counting while reading), reads the counts as rows,
 * and closes the collection.
 */
export async function collectStacks(
  col: Collection,
  links: readonly Link[],
  m: { counts: string; key: StackKeyFields; value: (v: bigint) => number },
  o: { pid: number | null; durationS: number; userOnly: boolean; kernelOnly: boolean; unwind: Unwind },
  signal: AbortSignal,
): Promise<{ rows: StackRow[]; lost: number; dropped?: number; unwind?: UnwindStats }> {
  try {
    const fd = col.mapFd(m.counts);
    const stacks = new StackResolver(col.mapFd("stackmap"));
    if (o.pid !== null) stacks.users.see(o.pid);
    if (o.unwind.mode === "dwarf") {
      // A record per sample (offcputime: per switch, and one per return), unwound as drained
      // every 100 ms (each process's maps read at its first record).
      const ring = openUnwindRing(col);
      const dwarf = new DwarfCollector(stacks, m.key.id === m.key.tgid ? "tgid" : "tid");
      const drain = () => ring.drain((b, off, len) => dwarf.add(b, off, len));
      await runFor(o.durationS, signal, drain, 100);
      for (const l of links) l.close();
      drain();
      const dropped = ring.lost();
      return { ...dwarf.rows(o, (v) => m.value(BigInt(v))), dropped, unwind: dwarf.stats };
    }
    const learn = () => {
      for (const p of seenProcesses(fd, m.key.size, 8, m.key.tgid)) stacks.users.see(p);
    };
    await runFor(o.durationS, signal, learn);
    for (const l of links) l.close();
    learn();
    return readStackCounts(fd, m.key, stacks, o, m.value);
  } finally {
    col.close();
  }
}

/** bcc's first line: "<what> of PID 42 by user + kernel stack for 5 secs." */
export function stackHeader(
  what: string,
  o: { pid: number | null; tid: number | null; userOnly: boolean; kernelOnly: boolean; durationS: number },
): string {
  const who = o.pid !== null ? `PID ${o.pid}` : o.tid !== null ? `TID ${o.tid}` : "all threads";
  const how = o.userOnly ? "user" : o.kernelOnly ? "kernel" : "user + kernel";
  const dur = Number.isFinite(o.durationS) ? ` for ${o.durationS} secs.` : "... Hit Ctrl-C to end.";
  return `${what} of ${who} by ${how} stack${dur}\n`;
}

/** A counting key's fields from its layout: `comm`, `user_stack_id`, `kern_stack_id` and the two ids named. */
export function stackKeyFields<F extends string>(
  key: Layout<F | "comm" | "user_stack_id" | "kern_stack_id">,
  id: F,
  tgid: F,
): StackKeyFields {
  const k = key.off;
  return {
    size: key.size,
    comm: k.comm,
    id: k[id],
    tgid: k[tgid],
    userStackId: k.user_stack_id,
    kernStackId: k.kern_stack_id,
  };
}

/** Where a stack-counting map's key holds the fields of a report row (byte offsets). */
export interface StackKeyFields {
  size: number;
  comm: number;
  /** The row's id (thread or process, as the tool reports it). */
  id: number;
  /** The process whose maps name the user frames. */
  tgid: number;
  userStackId: number;
  kernStackId: number;
}

/**
 * Every entry of a stack-counting map (u64 values) as report rows, stacks symbolized; `lost`
 * counts rows with a stack the stack map could not hold.
 */
export function readStackCounts(
  fd: number,
  key: StackKeyFields,
  stacks: StackResolver,
  o: { userOnly: boolean; kernelOnly: boolean },
  value: (v: bigint) => number,
): { rows: StackRow[]; lost: number } {
  const rows: StackRow[] = [];
  let lost = 0;
  for (const [k, v] of mapEntries(fd, key.size, 8)) {
    const user = stacks.userSide(k.readInt32LE(key.userStackId), k.readUInt32LE(key.tgid), !o.kernelOnly);
    const kernel = stacks.kernelSide(k.readInt32LE(key.kernStackId), !o.userOnly);
    if (user.kind === "missed" || kernel.kind === "missed") lost++;
    rows.push({
      comm: cString(k, key.comm, 16),
      id: k.readUInt32LE(key.id),
      user,
      kernel,
      value: value(v.readBigUInt64LE(0)),
    });
  }
  return { rows, lost };
}

/**
 * Prints one stack tool's result as bcc does: the header (text form only), the stacks in
 * text or folded form, and a warning on stderr when stacks were lost. With `output` the
 * report goes to that file instead of stdout; a `.svg` file gets the folded stacks drawn
 * as a flame graph (`flame`: its count name, title and palette; the header is its subtitle).
 */
export async function printStackReport(
  io: Io,
  o: StackReportOptions & { folded: boolean; output?: string },
  header: string,
  measure: () => Promise<{ rows: StackRow[]; lost: number; dropped?: number }>,
  flame: { countName: string; title?: string; palette?: Palette } = { countName: "samples" },
): Promise<number> {
  const svg = isSvgPath(o.output);
  if (!o.folded) io.out(header);
  const { rows, lost, dropped } = await measure();
  if (svg && o.output !== undefined)
    writeReport(
      o.output,
      foldedSvg(renderFolded(rows, o), {
        title: flame.title ?? "Flame Graph",
        subtitle: header.trim(),
        countName: flame.countName,
        palette: flame.palette,
      }),
    );
  else {
    const text = o.folded ? renderFolded(rows, o) : renderText(rows, o);
    if (o.output !== undefined) writeReport(o.output, text);
    else io.out(text);
  }
  if (lost > 0)
    io.err(`WARNING: ${lost} stack traces were lost (stack map full?); try a larger --stack-storage-size\n`);
  if (dropped)
    io.err(
      `WARNING: ${dropped} user stack records were dropped (ring buffer full); try a smaller --unwind dwarf,BYTES\n`,
    );
  return 0;
}
