// What profile and offcputime share: reading a BPF_MAP_TYPE_STACK_TRACE map, turning stack
// ids into symbolized StackSides (kernel frames from kallsyms, user frames through the
// process's maps, cached per id), running for a duration or until Ctrl-C while learning
// new processes' maps at first sight, and the words for load failures.
import { setTimeout as sleep } from "node:timers/promises";
import { kernelSymbols } from "../bpf/kallsyms.js";
import { mapEntries, mapLookup } from "../bpf/maps.js";
import { BpfError } from "../bpf/object.js";
import type { Io } from "../command/command.js";
import { PermissionError } from "../errors.js";
import { UserSymbolizer } from "../platform/user-symbols.js";
import {
  renderFolded,
  renderText,
  type StackReportOptions,
  type StackRow,
  type StackSide,
} from "../report/stack-report.js";
import { cString } from "../sources/bpf/records.js";

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

/** A kernel function name without its offset ("do_nanosleep+0x5a" → "do_nanosleep"). */
const bare = (s: string) => s.replace(/\+0x[0-9a-f]+$/, "");

/** The BPF program and tracepoint glue at the leaf of a stack taken in a hook. */
const HOOK_FRAME = /^(bpf_prog_|bpf_trace_run|__bpf_trace_|__traceiter_|bpf_get_stack)/;

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
      const frames = readStack(this.stackFd, id, this.scratch).map((a) => bare(syms.symbolize(a)));
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
    try {
      await sleep(Math.min(everyMs, left), undefined, { signal });
    } catch {
      break; // aborted
    }
    tick();
  }
}

/** The processes (u32 at `pidOff` of each key) in a counting map now. */
export function seenProcesses(fd: number, keySize: number, valueSize: number, pidOff: number): Set<number> {
  const out = new Set<number>();
  for (const [k] of mapEntries(fd, keySize, valueSize)) out.add(k.readUInt32LE(pidOff));
  return out;
}

/** EPERM/EACCES at load or attach is a missing privilege, said as such. */
export function explainLoadError(what: string, err: unknown): unknown {
  if (err instanceof BpfError && (err.errno === 1 || err.errno === 13))
    return new PermissionError(`${what} needs root (CAP_BPF and CAP_PERFMON): ${err.message}`, {
      cause: err,
    });
  return err;
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
 * text or folded form, and a warning on stderr when stacks were lost.
 */
export async function printStackReport(
  io: Io,
  o: StackReportOptions & { folded: boolean },
  header: string,
  measure: () => Promise<{ rows: StackRow[]; lost: number; dropped?: number }>,
): Promise<number> {
  if (!o.folded) io.out(header);
  const { rows, lost, dropped } = await measure();
  io.out(o.folded ? renderFolded(rows, o) : renderText(rows, o));
  if (lost > 0)
    io.err(`WARNING: ${lost} stack traces were lost (stack map full?); try a larger --stack-storage-size\n`);
  if (dropped)
    io.err(
      `WARNING: ${dropped} user stack records were dropped (ring buffer full); try a smaller --unwind dwarf,BYTES\n`,
    );
  return 0;
}
