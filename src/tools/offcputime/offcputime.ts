// `tsnap offcputime`: time threads spent off a CPU, by kernel and user stack (bcc and
// libbpf-tools offcputime). offcputime.bpf.c takes each thread's stacks as it leaves a CPU
// at sched_switch and adds the time until it comes back to that stack's total, in the
// kernel; at the end the totals are read once, symbolized, and printed in µs as bcc's text
// or folded form. tp_btf hook, raw_tp where BTF-typed tracepoints are refused.

import type { Link } from "../../bpf/object.js";
import { probe } from "../../bpf/probes.js";
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { pidFlag, tidFlag } from "../../command/flags.js";
import type { StackReportOptions, StackRow } from "../../report/stack-report.js";
import { layout } from "../../sources/bpf/records.js";
import { BLOCK_FILTER_FIELDS, BLOCK_FLAGS, checkBlockFlags, writeBlockFilter } from "../block-flags.js";
import {
  collectStacks,
  durationPositional,
  loadStackObject,
  printStackReport,
  STACK_FLAGS,
  stackHeader,
  stackKeyFields,
  stackOptions,
} from "../stack-tool.js";
import { type Unwind, type UnwindStats, USTACK_REC } from "../unwind-stacks.js";
import { tool } from "./offcputime.tool.js";

/** The layouts of offcputime.bpf.c (its _Static_asserts check the sizes). */
export const OFFCPU_CONFIG = layout("offcpu_config", [
  ...BLOCK_FILTER_FIELDS,
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
  /** -o FILE: the report there; FILE.svg: the flame graph. */
  output?: string;
}

const FLAGS = {
  pid: pidFlag,
  tid: tidFlag("t"),
  userThreadsOnly: BLOCK_FLAGS.userThreadsOnly,
  kernelThreadsOnly: BLOCK_FLAGS.kernelThreadsOnly,
  userOnly: STACK_FLAGS.userOnly,
  kernelOnly: STACK_FLAGS.kernelOnly,
  minBlockUs: BLOCK_FLAGS.minBlockUs,
  maxBlockUs: BLOCK_FLAGS.maxBlockUs,
  state: BLOCK_FLAGS.state,
  delimited: STACK_FLAGS.delimited,
  folded: STACK_FLAGS.folded,
  stackStorageSize: STACK_FLAGS.stackStorageSize,
  unwind: STACK_FLAGS.unwind,
  output: STACK_FLAGS.output,
};

const HELP = `tsnap offcputime [options] [DURATION]

Sums the time threads spend off a CPU (blocked, sleeping, preempted) by the kernel and
user stack they left the CPU with, from the sched_switch tracepoint: bcc's offcputime.
Totals are kept in the kernel and printed in microseconds at the end. Runs for DURATION
seconds, or until Ctrl-C. Needs root.

OPTIONS
${flagHelp(FLAGS)}
OUTPUT
  Text: each stack leaf first (kernel frames down to the scheduler, then user frames),
  then "- comm (tid)" and the total off-CPU µs; the largest last. Folded: largest first.
  -o FILE.svg writes the off-CPU flame graph instead (FlameGraph's off-CPU settings:
  io colours, widths in µs), as tsnap flame draws the folded stacks.

EXAMPLES
  tsnap offcputime 5                     # all threads, 5 seconds
  tsnap offcputime -p 1234 -f 10 > off.folded   # one process, folded
  tsnap offcputime -p 1234 -o off.svg 10         # its off-CPU flame graph
  tsnap offcputime -m 1000 -p 1234 10    # only blocks of 1 ms or more
  tsnap offcputime --state 2 10          # uninterruptible (D) sleeps only
  tsnap offcputime --unwind dwarf -p 1234 -f 10   # through libc's read, named callers
`;

export function parseOffcpuArgs(argv: string[]): OffcpuOptions {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  const unwind = stackOptions(v, "-t");
  checkBlockFlags(v);
  return {
    ...v,
    state: v.state === undefined ? null : Number(v.state),
    annotate: false,
    unwind,
    durationS: durationPositional(positionals[0]),
  };
}

export function offcpuConfig(o: OffcpuOptions): Buffer {
  const c = OFFCPU_CONFIG;
  const b = writeBlockFilter(Buffer.alloc(c.size), o);
  b.writeUInt32LE(o.unwind.mode === "dwarf" ? o.unwind.bytes : 0, c.off.ustack_bytes);
  b.writeUInt32LE(o.unwind.mode === "dwarf" ? 1 : 0, c.off.dwarf);
  return b;
}

/** Off-CPU totals as rows (µs, symbolized). tp_btf where it probes ok, else raw_tp: one load. */
export async function offcputime(
  o: OffcpuOptions,
  signal: AbortSignal,
): Promise<{ rows: StackRow[]; lost: number; dropped?: number; unwind?: UnwindStats }> {
  const program = probe("tp_btf_sched").ok ? "tp_btf_sched_switch" : "raw_tp_sched_switch";
  const links: Link[] = [];
  const col = loadStackObject(
    {
      name: "offcputime",
      programs: [program],
      config: offcpuConfig(o),
      counts: "totals",
      stackStorageSize: o.stackStorageSize,
      unwind: o.unwind,
      // ~2,000 switches a second with their stack copies (drained every 100 ms).
      ringBytesPerSecond: 2000 * (USTACK_REC.size + (o.unwind.mode === "dwarf" ? o.unwind.bytes : 0)),
    },
    (c) => links.push(c.attach(program)),
  );
  const key = stackKeyFields(OFFCPU_KEY, "pid", "tgid");
  const value = (ns: bigint) => Math.round(Number(ns) / 1000);
  return collectStacks(col, links, { counts: "totals", key, value }, o, signal);
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOffcpuArgs(argv);
  return printStackReport(
    io,
    o,
    stackHeader("Tracing off-CPU time (us)", o),
    () => offcputime(o, io.signal),
    // flamegraph.pl --color=io --title="Off-CPU Time Flame Graph" --countname=us (Gregg's off-CPU page)
    { countName: "us", title: "Off-CPU Time Flame Graph", palette: "io" },
  );
}

export const command: Command = toolCommand(tool, HELP, run);
