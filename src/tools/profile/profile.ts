// `tsnap profile`: on-CPU stacks sampled at a frequency on every CPU (bcc/libbpf-tools
// profile). A software cpu-clock perf event per CPU runs profile.bpf.c, which counts
// (process, comm, kernel stack, user stack) in the kernel; at the end the counts are read
// once, symbolized, and printed as bcc's text or folded form (flame graphs).
import type { Link } from "../../bpf/object.js";
import { openCpuClock } from "../../bpf/probes.js";
import { decimalFlag, flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { pidFlag, tidFlag } from "../../command/flags.js";
import { onlineCpus } from "../../platform/cpus.js";
import type { StackReportOptions, StackRow } from "../../report/stack-report.js";
import { layout } from "../../sources/bpf/records.js";
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
import { tool } from "./profile.tool.js";

/** The layouts of profile.bpf.c (its _Static_asserts check the sizes). */
export const PROFILE_CONFIG = layout("profile_config", [
  ["targ_tgid", "s32"],
  ["targ_tid", "s32"],
  ["user_stacks_only", "u8"],
  ["kernel_stacks_only", "u8"],
  ["include_idle", "u8"],
  ["dwarf", "u8"],
  ["ustack_bytes", "u32"],
]);
export const PROFILE_KEY = layout("profile_key", [
  ["pid", "u32"],
  ["user_stack_id", "s32"],
  ["kern_stack_id", "s32"],
  ["comm", { array: "char", len: 16 }],
]);

export interface ProfileOptions extends StackReportOptions {
  pid: number | null;
  tid: number | null;
  hz: number;
  includeIdle: boolean;
  folded: boolean;
  stackStorageSize: number;
  durationS: number;
  unwind: Unwind;
  /** -o FILE: the report there; FILE.svg: the flame graph. */
  output?: string;
}

const FLAGS = {
  pid: pidFlag,
  tid: tidFlag("L"),
  hz: decimalFlag({
    long: "frequency",
    short: "F",
    arg: "HZ",
    help: "samples per second per CPU (default 49)",
    min: 1,
    max: 10_000,
    integer: true,
    fallback: 49,
  }),
  userOnly: STACK_FLAGS.userOnly,
  kernelOnly: STACK_FLAGS.kernelOnly,
  includeIdle: switchFlag({ long: "include-idle", short: "I", help: "include the idle threads (pid 0)" }),
  delimited: STACK_FLAGS.delimited,
  annotate: switchFlag({ long: "annotations", short: "a", help: "kernel frames get a _[k] suffix" }),
  folded: STACK_FLAGS.folded,
  stackStorageSize: STACK_FLAGS.stackStorageSize,
  unwind: STACK_FLAGS.unwind,
  output: STACK_FLAGS.output,
};

const HELP = `tsnap profile [options] [DURATION]

Samples the stacks of threads on a CPU at a fixed frequency on every CPU (software
cpu-clock perf events) and prints how often each stack was seen: bcc's profile. Counting
happens in the kernel; stacks are read and symbolized once at the end (user frames by
the ELF symbols of each mapping, separate debug files, and /tmp/perf-PID.map for JITs).
Runs for DURATION seconds, or until Ctrl-C. Needs root.

OPTIONS
${flagHelp(FLAGS)}
OUTPUT
  Text: each stack leaf first (kernel frames, then user frames), then "- comm (pid)"
  and the number of samples; the most frequent stack last. Folded: largest first.
  A user frame with no symbol shows as "[unknown] (module)". -o FILE.svg writes the
  folded stacks as a flame graph (tsnap flame's, widths in samples) instead.

EXAMPLES
  tsnap profile 10                  # all CPUs for 10 seconds
  tsnap profile -F 99 -p 1234 -f 30 > out.folded   # one process, folded, 30 s
  tsnap profile -U -p 1234 5        # user stacks only
  tsnap profile -adf 10             # folded with kernel/user delimiter and _[k]
  tsnap profile --unwind fp -p 1234 10         # frame pointers only (cheaper; -p is dwarf by default)
  tsnap profile -F 99 -o cpu.svg 30 # a flame graph of all CPUs, written at the end
`;

/** Parses argv into options (pure). */
export function parseProfileArgs(argv: string[]): ProfileOptions {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  // auto: one process or thread is dwarf (full stacks through libc; ≤ HZ × CPUs copies a second).
  const unwind = stackOptions(v, "-L", v.pid !== null || v.tid !== null);
  return { ...v, unwind, durationS: durationPositional(positionals[0]) };
}

/** The read-only config bytes for profile.bpf.c. */
export function profileConfig(o: ProfileOptions): Buffer {
  const b = Buffer.alloc(PROFILE_CONFIG.size);
  b.writeInt32LE(o.pid ?? -1, PROFILE_CONFIG.off.targ_tgid);
  b.writeInt32LE(o.tid ?? -1, PROFILE_CONFIG.off.targ_tid);
  b[PROFILE_CONFIG.off.user_stacks_only] = o.userOnly ? 1 : 0;
  b[PROFILE_CONFIG.off.kernel_stacks_only] = o.kernelOnly ? 1 : 0;
  b[PROFILE_CONFIG.off.include_idle] = o.includeIdle ? 1 : 0;
  b[PROFILE_CONFIG.off.dwarf] = o.unwind.mode === "dwarf" ? 1 : 0;
  b.writeUInt32LE(o.unwind.mode === "dwarf" ? o.unwind.bytes : 0, PROFILE_CONFIG.off.ustack_bytes);
  return b;
}

/** Samples as rows (symbolized): the profile's result (with --unwind dwarf, what it cost). */
export async function profile(
  o: ProfileOptions,
  signal: AbortSignal,
): Promise<{ rows: StackRow[]; lost: number; dropped?: number; unwind?: UnwindStats }> {
  const links: Link[] = [];
  const cpus = onlineCpus();
  const record = USTACK_REC.size + (o.unwind.mode === "dwarf" ? o.unwind.bytes : 0);
  const col = loadStackObject(
    {
      name: "profile",
      programs: ["do_sample"],
      config: profileConfig(o),
      counts: "counts",
      stackStorageSize: o.stackStorageSize,
      unwind: o.unwind,
      ringBytesPerSecond: o.hz * cpus.length * record,
    },
    (c) => {
      for (const cpu of cpus) links.push(c.attachPerfEvent("do_sample", openCpuClock(cpu, o.hz)));
    },
  );
  const key = stackKeyFields(PROFILE_KEY, "pid", "pid");
  return collectStacks(col, links, { counts: "counts", key, value: Number }, o, signal);
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseProfileArgs(argv);
  return printStackReport(io, o, stackHeader(`Sampling at ${o.hz} Hertz`, o), () => profile(o, io.signal));
}

export const command: Command = toolCommand(tool, HELP, run);
