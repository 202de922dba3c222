// `tsnap stackcount`: the stacks that lead to calls of user functions (uprobes) or hits of
// tracepoints, counted in the kernel, like bcc stackcount. Patterns are resolved by
// probe-targets.ts; stackcount.bpf.c counts (process, comm, kernel stack, user stack);
// stack-tool.ts loads, waits, reads and symbolizes as profile does, and prints bcc's
// text or folded form.

import type { Link } from "../../bpf/object.js";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, pidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import type { StackReportOptions, StackRow } from "../../report/stack-report.js";
import { layout } from "../../sources/bpf/records.js";
import { attachAll, programsFor } from "../probe-attach.js";
import { type ProbeTarget, resolveSpecs } from "../probe-targets.js";
import {
  collectStacks,
  loadStackObject,
  printStackReport,
  STACK_FLAGS,
  stackKeyFields,
} from "../stack-tool.js";
import { tool } from "./stackcount.tool.js";

/** The layouts of stackcount.bpf.c (its _Static_asserts check the sizes). */
export const STACKCOUNT_CONFIG = layout("stackcount_config", [
  ["filter_pid", "u32"],
  ["user_stacks_only", "u8"],
  ["kernel_stacks_only", "u8"],
  ["pad", { array: "u8", len: 2 }],
]);
export const STACKCOUNT_KEY = layout("stackcount_key", [
  ["pid", "u32"],
  ["user_stack_id", "s32"],
  ["kern_stack_id", "s32"],
  ["comm", { array: "char", len: 16 }],
]);

const PROGRAMS = { uprobe: "stackcount_uprobe", tracepoint: "stackcount_tracepoint" };

const FLAGS = {
  pid: pidFlag,
  duration: { ...durationFlag(), short: "D" },
  userOnly: STACK_FLAGS.userOnly,
  kernelOnly: STACK_FLAGS.kernelOnly,
  delimited: STACK_FLAGS.delimited,
  folded: STACK_FLAGS.folded,
  regexp: switchFlag({
    long: "regexp",
    short: "r",
    help: "the function and event parts are regular expressions (default: * and ? wildcards)",
  }),
  stackStorageSize: STACK_FLAGS.stackStorageSize,
};

const HELP = `tsnap stackcount: count the stacks that lead to functions or tracepoints (bcc stackcount)

USAGE
  tsnap stackcount [-p PID] [-D SECONDS] [-U | -K] [-d] [-f] [-r] PATTERN...

Counts in the kernel, per process and stack, every call of the user functions (uprobes)
or hit of the tracepoints PATTERN names, and prints the stacks with their counts at the
end (Ctrl-C, or -D): user frames named from each process's mapped files, kernel frames
from kallsyms. A uprobe's kernel stack is the trap that ran it: uprobes count user stacks
only. Options are bcc's stackcount; the text layout is tsnap profile's (bcc's profile).
Needs root.

PATTERN (bcc's probe syntax; * and ? are wildcards, or regular expressions with -r)
  LIB:func, p:LIB:func   functions of a library or program (c, libc, a path, a program)
  t:category:event       tracepoints
  u:LIB:provider:probe   USDT probes
  k:func, func           kernel functions: not on kernels without kprobes (one line says so)

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap stackcount -p 1234 c:malloc -D 5         who calls malloc in 1234
  sudo tsnap stackcount t:sched:sched_switch -D 2     what leads to context switches
  sudo tsnap stackcount -f -p 1234 'c:pthread_mutex_*lock' -D 10 > locks.folded
  sudo tsnap stackcount -K t:block:block_rq_issue     kernel stacks of disk I/O
`;

export interface StackcountOptions extends StackReportOptions {
  patterns: string[];
  pid: number | null;
  durationS: number;
  folded: boolean;
  regex: boolean;
  stackStorageSize: number;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): StackcountOptions {
  const { values: v, positionals } = parseFlags(argv, FLAGS, Infinity);
  if (positionals.length === 0) throw new UsageError("no PATTERN (e.g. c:malloc, t:sched:sched_switch)");
  if (v.userOnly && v.kernelOnly) throw new UsageError("-U and -K exclude each other");
  return {
    patterns: positionals,
    pid: v.pid,
    durationS: v.duration,
    userOnly: v.userOnly,
    kernelOnly: v.kernelOnly,
    delimited: v.delimited,
    annotate: false,
    folded: v.folded,
    regex: v.regexp,
    stackStorageSize: v.stackStorageSize,
  };
}

/** Counts stacks until the duration or the signal; the rows, symbolized. */
export async function stackcount(
  o: StackcountOptions,
  targets: readonly ProbeTarget[],
  signal: AbortSignal,
): Promise<{ rows: StackRow[]; lost: number }> {
  const cfg = Buffer.alloc(STACKCOUNT_CONFIG.size);
  cfg.writeUInt32LE(o.pid ?? 0, STACKCOUNT_CONFIG.off.filter_pid);
  cfg[STACKCOUNT_CONFIG.off.user_stacks_only] = o.userOnly ? 1 : 0;
  cfg[STACKCOUNT_CONFIG.off.kernel_stacks_only] = o.kernelOnly ? 1 : 0;
  let links: Link[] = [];
  const col = loadStackObject(
    {
      name: "stackcount",
      programs: programsFor(PROGRAMS, targets),
      config: cfg,
      counts: "counts",
      stackStorageSize: o.stackStorageSize,
      unwind: { mode: "fp" },
      ringBytesPerSecond: 0,
    },
    (c) => {
      links = attachAll(c, PROGRAMS, targets, o.pid);
    },
  );
  const key = stackKeyFields(STACKCOUNT_KEY, "pid", "pid");
  return collectStacks(
    col,
    links,
    { counts: "counts", key, value: Number },
    { ...o, unwind: { mode: "fp" } },
    signal,
  );
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("stackcount");
  const targets = resolveSpecs(o.patterns, {
    allow: ["uprobe", "tracepoint", "usdt"],
    tool: "stackcount",
    regex: o.regex,
    pid: o.pid,
  });
  const header = `Tracing ${targets.length} functions for "${o.patterns.join(" ")}"... Hit Ctrl-C to end.\n`;
  if (o.folded) io.err(header);
  return printStackReport(io, o, header, () => stackcount(o, targets, io.signal));
}

export const command: Command = toolCommand(tool, HELP, run);
