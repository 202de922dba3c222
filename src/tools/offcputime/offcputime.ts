// `tsnap offcputime`: time threads spent off a CPU, by kernel and user stack (bcc and
// libbpf-tools offcputime). offcputime.bpf.c takes each thread's stacks as it leaves a CPU
// at sched_switch and adds the time until it comes back to that stack's total, in the
// kernel; at the end the totals are read once, symbolized, and printed in µs as bcc's text
// or folded form. tp_btf hook, raw_tp where BTF-typed tracepoints are refused.

import { BpfObject, type Link } from "../../bpf/object.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { choiceFlag, numberFlag, parseArgs } from "../../command/args.js";
import type { Command, Io } from "../../command/command.js";
import { UsageError } from "../../errors.js";
import type { StackReportOptions, StackRow } from "../../report/stack-report.js";
import { layout } from "../../sources/bpf/records.js";
import {
  explainLoadError,
  printStackReport,
  readStackCounts,
  runFor,
  StackResolver,
  seenProcesses,
} from "../stack-tool.js";
import {
  DwarfCollector,
  openUnwindRing,
  parseUnwind,
  sizeUnwindMaps,
  type Unwind,
  type UnwindStats,
} from "../unwind-stacks.js";

/** The layouts of offcputime.bpf.c (its _Static_asserts check the sizes). */
export const OFFCPU_CONFIG = layout("offcpu_config", [
  ["targ_tgid", "s32"],
  ["targ_pid", "s32"],
  ["user_threads_only", "u8"],
  ["kernel_threads_only", "u8"],
  ["user_stacks_only", "u8"],
  ["kernel_stacks_only", "u8"],
  ["state", "s64"],
  ["min_block_ns", "u64"],
  ["max_block_ns", "u64"],
  ["ustack_bytes", "u32"],
  ["dwarf", "u32"],
]);
export const OFFCPU_KEY = layout("offcpu_key", [
  ["pid", "u32"],
  ["tgid", "u32"],
  ["user_stack_id", "s32"],
  ["kern_stack_id", "s32"],
  ["comm", { array: "char", len: 16 }],
]);

/** --state values: the task's __state when it left the CPU (bcc: 0 running, 1 sleeping, 2 disk). */
const STATES = ["0", "1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024"] as const;

export interface OffcpuOptions extends StackReportOptions {
  pid: number | null;
  tid: number | null;
  userThreadsOnly: boolean;
  kernelThreadsOnly: boolean;
  minBlockUs: number;
  maxBlockUs: number;
  state: number | null;
  folded: boolean;
  stackStorageSize: number;
  durationS: number;
  unwind: Unwind;
}

const HELP = `tsnap offcputime [options] [DURATION]

Sums the time threads spend off a CPU (blocked, sleeping, preempted) by the kernel and
user stack they left the CPU with, from the sched_switch tracepoint: bcc's offcputime.
Totals are kept in the kernel and printed in microseconds at the end. Runs for DURATION
seconds, or until Ctrl-C. Needs root.

OPTIONS
  -p, --pid PID          only this process
  -t, --tid TID          only this thread
  -u, --user-threads-only    user threads only (no kernel threads)
  -k, --kernel-threads-only  kernel threads only (no user threads)
  -U, --user-stacks-only     user stacks only (no kernel frames)
  -K, --kernel-stacks-only   kernel stacks only (no user frames)
  -m, --min-block-time US    only blocks of at least US microseconds (default 1)
  -M, --max-block-time US    only blocks of at most US microseconds
      --state STATE      only threads that left in this state (0 running/preempted,
                         1 interruptible sleep, 2 uninterruptible, ...)
  -d, --delimited        a "--" (text) or "-" (folded) between kernel and user stacks
  -f, --folded           one line per stack, "comm;root;...;leaf µs" (flame graphs)
      --stack-storage-size N   distinct stacks kept (default 16384)
      --unwind fp|dwarf[,BYTES]   how user stacks are walked: fp (default) follows
                         frame pointers in the kernel; dwarf copies the user registers
                         and the top BYTES of the user stack (default 8192) at each
                         switch off a CPU and unwinds them with each file's .eh_frame in
                         tsnap (perf --call-graph dwarf): full stacks through libc and
                         code built without frame pointers, at ~BYTES per context switch
  -h, --help             this help

OUTPUT
  Text: each stack leaf first (kernel frames down to the scheduler, then user frames),
  then "- comm (tid)" and the total off-CPU µs; the largest last. Folded: largest first.

EXAMPLES
  tsnap offcputime 5                     # all threads, 5 seconds
  tsnap offcputime -p 1234 -f 10 > off.folded   # one process, folded
  tsnap offcputime -m 1000 -p 1234 10    # only blocks of 1 ms or more
  tsnap offcputime --state 2 10          # uninterruptible (D) sleeps only
  tsnap offcputime --unwind dwarf -p 1234 -f 10   # through libc's read, named callers
`;

export function parseOffcpuArgs(argv: string[]): OffcpuOptions {
  const { values, positionals } = parseArgs(
    argv,
    {
      pid: { type: "string", short: "p" },
      tid: { type: "string", short: "t" },
      "user-threads-only": { type: "boolean", short: "u" },
      "kernel-threads-only": { type: "boolean", short: "k" },
      "user-stacks-only": { type: "boolean", short: "U" },
      "kernel-stacks-only": { type: "boolean", short: "K" },
      "min-block-time": { type: "string", short: "m" },
      "max-block-time": { type: "string", short: "M" },
      state: { type: "string" },
      delimited: { type: "boolean", short: "d" },
      folded: { type: "boolean", short: "f" },
      "stack-storage-size": { type: "string" },
      unwind: { type: "string" },
    },
    1,
  );
  const id = (v: typeof values.pid, name: string) =>
    v === undefined ? null : numberFlag(v, name, { min: 1, max: 2 ** 31 - 1, integer: true, fallback: 0 });
  const o: OffcpuOptions = {
    pid: id(values.pid, "-p"),
    tid: id(values.tid, "-t"),
    userThreadsOnly: values["user-threads-only"] === true,
    kernelThreadsOnly: values["kernel-threads-only"] === true,
    userOnly: values["user-stacks-only"] === true,
    kernelOnly: values["kernel-stacks-only"] === true,
    minBlockUs: numberFlag(values["min-block-time"], "-m", { min: 0, integer: true, fallback: 1 }),
    maxBlockUs: numberFlag(values["max-block-time"], "-M", {
      min: 1,
      integer: true,
      fallback: Number.MAX_SAFE_INTEGER,
    }),
    state: values.state === undefined ? null : Number(choiceFlag(values.state, "--state", STATES, "0")),
    delimited: values.delimited === true,
    annotate: false,
    folded: values.folded === true,
    stackStorageSize: numberFlag(values["stack-storage-size"], "--stack-storage-size", {
      min: 1,
      max: 1 << 22,
      integer: true,
      fallback: 16384,
    }),
    durationS:
      positionals[0] === undefined
        ? Number.POSITIVE_INFINITY
        : numberFlag(positionals[0], "DURATION", { min: 0.01, fallback: 0 }),
    unwind:
      values["kernel-stacks-only"] === true
        ? { mode: "fp" } // no user stack to copy
        : parseUnwind(values.unwind as string | undefined),
  };
  if (o.pid !== null && o.tid !== null) throw new UsageError("-p and -t exclude each other");
  if (o.userThreadsOnly && o.kernelThreadsOnly) throw new UsageError("-u and -k exclude each other");
  if (o.userOnly && o.kernelOnly) throw new UsageError("-U and -K exclude each other");
  if (o.minBlockUs > o.maxBlockUs) throw new UsageError("-m must not exceed -M");
  return o;
}

export function offcpuConfig(o: OffcpuOptions): Buffer {
  const c = OFFCPU_CONFIG;
  const b = Buffer.alloc(c.size);
  b.writeInt32LE(o.pid ?? -1, c.off.targ_tgid);
  b.writeInt32LE(o.tid ?? -1, c.off.targ_pid);
  b[c.off.user_threads_only] = o.userThreadsOnly ? 1 : 0;
  b[c.off.kernel_threads_only] = o.kernelThreadsOnly ? 1 : 0;
  b[c.off.user_stacks_only] = o.userOnly ? 1 : 0;
  b[c.off.kernel_stacks_only] = o.kernelOnly ? 1 : 0;
  b.writeBigInt64LE(BigInt(o.state ?? -1), c.off.state);
  b.writeBigUInt64LE(BigInt(o.minBlockUs) * 1000n, c.off.min_block_ns);
  const max = o.maxBlockUs >= Number.MAX_SAFE_INTEGER ? 2n ** 64n - 1n : BigInt(o.maxBlockUs) * 1000n;
  b.writeBigUInt64LE(max, c.off.max_block_ns);
  b.writeUInt32LE(o.unwind.mode === "dwarf" ? o.unwind.bytes : 0, c.off.ustack_bytes);
  b.writeUInt32LE(o.unwind.mode === "dwarf" ? 1 : 0, c.off.dwarf);
  return b;
}

function header(o: OffcpuOptions): string {
  const who = o.pid !== null ? `PID ${o.pid}` : o.tid !== null ? `TID ${o.tid}` : "all threads";
  const how = o.userOnly ? "user" : o.kernelOnly ? "kernel" : "user + kernel";
  const dur = Number.isFinite(o.durationS) ? ` for ${o.durationS} secs.` : "... Hit Ctrl-C to end.";
  return `Tracing off-CPU time (us) of ${who} by ${how} stack${dur}\n`;
}

/** Loads with the tp_btf hook, else raw_tp. */
function load(o: OffcpuOptions): { obj: BpfObject; link: Link } {
  let first: unknown = null;
  for (const prog of ["sched_switch_btf", "sched_switch_raw"]) {
    const obj = BpfObject.open(bpfObjectPath("offcputime"));
    try {
      obj.onlyPrograms([prog]);
      obj.setReadOnlyConfig(offcpuConfig(o));
      obj.setMaxEntries("stackmap", o.stackStorageSize);
      obj.setMaxEntries("totals", o.stackStorageSize);
      // A ring for ~2,000 switches a second with their stack copies (drained every 100 ms).
      sizeUnwindMaps(obj, o.unwind, 2000 * (o.unwind.mode === "dwarf" ? o.unwind.bytes + 80 : 0));
      obj.load();
      return { obj, link: obj.attach(prog) };
    } catch (err) {
      obj.close();
      first ??= err;
    }
  }
  throw explainLoadError("offcputime", first);
}

/** Off-CPU totals as rows (µs, symbolized). */
export async function offcputime(
  o: OffcpuOptions,
  signal: AbortSignal,
): Promise<{ rows: StackRow[]; lost: number; dropped?: number; unwind?: UnwindStats }> {
  const { obj, link } = load(o);
  let ring: ReturnType<typeof openUnwindRing> | null = null;
  try {
    const totalsFd = obj.mapFd("totals");
    const stacks = new StackResolver(obj.mapFd("stackmap"));
    if (o.unwind.mode === "dwarf") {
      // A record as each thread leaves a CPU and one as it returns, joined and unwound as drained.
      const r = openUnwindRing(obj);
      ring = r;
      const dwarf = new DwarfCollector(stacks, "tid");
      if (o.pid !== null) stacks.users.see(o.pid);
      const drain = () => r.drain((b, off, len) => dwarf.add(b, off, len));
      await runFor(o.durationS, signal, drain, 100);
      link.close();
      drain();
      return {
        ...dwarf.rows(o, (ns) => Math.round(ns / 1000)),
        dropped: r.lost(),
        unwind: dwarf.stats,
      };
    }
    if (o.pid !== null) stacks.users.see(o.pid);
    const learn = () => {
      for (const p of seenProcesses(totalsFd, OFFCPU_KEY.size, 8, OFFCPU_KEY.off.tgid)) stacks.users.see(p);
    };
    await runFor(o.durationS, signal, learn);
    link.close();
    learn();
    const key = {
      size: OFFCPU_KEY.size,
      comm: OFFCPU_KEY.off.comm,
      id: OFFCPU_KEY.off.pid,
      tgid: OFFCPU_KEY.off.tgid,
      userStackId: OFFCPU_KEY.off.user_stack_id,
      kernStackId: OFFCPU_KEY.off.kern_stack_id,
    };
    return readStackCounts(totalsFd, key, stacks, o, (ns) => Math.round(Number(ns) / 1000));
  } finally {
    link.close();
    ring?.close();
    obj.close();
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOffcpuArgs(argv);
  return printStackReport(io, o, header(o), () => offcputime(o, io.signal));
}

export const command: Command = {
  name: "offcputime",
  summary: "off-CPU time by stack from sched_switch, text or folded (bcc offcputime)",
  help: HELP,
  run,
};
