// `tsnap offwaketime`: off-CPU time by the blocked thread's stack and its waker's stack
// together (bcc offwaketime), from the same kernel program as wakeuptime
// (../wakeuptime/wakeuptime.bpf.c in its offwake mode): the blocked thread's stacks are
// taken as it leaves the CPU, the waker's at sched_waking, and the time until the blocked
// thread is back on a CPU goes to the pair's total. Printed as bcc's text or folded form.
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { pidFlag, tidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { BLOCK_FLAGS, checkBlockFlags } from "../block-flags.js";
import { durationPositional, STACK_FLAGS } from "../stack-tool.js";
import { renderOffwakeFolded, renderOffwakeText, type WakeReportOptions } from "../wakeuptime/wake-report.js";
import { type WakeOptions, type WakeRow, wakeStacks } from "../wakeuptime/wake-stacks.js";
import { printWakeReport, wakeHeader } from "../wakeuptime/wakeuptime.js";
import { tool } from "./offwaketime.tool.js";

export interface OffwakeOptions extends WakeOptions, WakeReportOptions {
  folded: boolean;
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
  delimited: { ...STACK_FLAGS.delimited, help: 'a "-" between kernel and user frames of each thread' },
  folded: {
    ...STACK_FLAGS.folded,
    help: 'one line per pair, "target;root..leaf;--;waker leaf..root;waker µs" (flame graphs)',
  },
  stackStorageSize: STACK_FLAGS.stackStorageSize,
};

const HELP = `tsnap offwaketime [options] [DURATION]

Sums off-CPU time by the stack a thread blocked in and the stack of the thread that woke
it, from the sched_switch and sched_waking tracepoints: bcc's offwaketime. The blocked
thread's stacks are taken as it leaves the CPU; the waker's as it wakes it, in its own
context; the time until the blocked thread is back on a CPU goes to the pair. A thread
that was preempted (not woken) shows "[no waker]". Runs for DURATION seconds, or until
Ctrl-C. Needs root.

OPTIONS
${flagHelp(FLAGS)}
OUTPUT
  Text: "waker: comm tid", the waker's stack root first, "-- --", the blocked thread's
  stack leaf first, "target: comm tid" and the µs; the largest last. Folded (flamegraph.pl's
  off-wake form): "target;root..leaf;--;waker leaf..root;waker µs", largest first.

EXAMPLES
  tsnap offwaketime -p 1234 10               # one process's waits and who ended them
  tsnap offwaketime -f -p 1234 10 > ow.folded && tsnap flame --colors wakeup ow.folded -o ow.svg
  tsnap offwaketime -m 1000 --state 1 -K 10  # interruptible sleeps of 1 ms or more, kernel stacks
`;

export function parseOffwakeArgs(argv: string[]): OffwakeOptions {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  if (v.userOnly && v.kernelOnly) throw new UsageError("-U and -K exclude each other");
  if (v.pid !== null && v.tid !== null) throw new UsageError("-p and -t exclude each other");
  checkBlockFlags(v);
  return {
    ...v,
    state: v.state === undefined ? null : Number(v.state),
    durationS: durationPositional(positionals[0]),
  };
}

/** Off-CPU time by (blocked stack, waker stack) pair (rows in µs, symbolized). */
export function offwaketime(
  o: OffwakeOptions,
  signal: AbortSignal,
): Promise<{ rows: WakeRow[]; lost: number }> {
  return wakeStacks("offwaketime", o, signal);
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOffwakeArgs(argv);
  return printWakeReport(io, o, wakeHeader("off-CPU and waker stack", o), () => offwaketime(o, io.signal), {
    text: (rows) => renderOffwakeText(rows, o),
    folded: (rows) => renderOffwakeFolded(rows, o),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
