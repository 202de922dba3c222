// `tsnap wakeuptime`: time threads spent blocked, by the stack of the thread that woke them
// (bcc and libbpf-tools wakeuptime). wakeuptime.bpf.c stamps a thread as it blocks
// (sched_switch) and, at sched_waking, adds the time since to the total of the waker's
// stacks, taken in the waker's own context; at the end the totals are read once,
// symbolized, and printed in µs as bcc's text or folded form (wake-report.ts).
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { pidFlag, tidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { BLOCK_FLAGS, checkBlockFlags } from "../block-flags.js";
import { durationPositional, STACK_FLAGS } from "../stack-tool.js";
import { renderWakeupFolded, renderWakeupText, type WakeReportOptions } from "./wake-report.js";
import { type WakeOptions, type WakeRow, wakeStacks } from "./wake-stacks.js";
import { tool } from "./wakeuptime.tool.js";

export interface WakeupOptions extends WakeOptions, WakeReportOptions {
  folded: boolean;
}

const FLAGS = {
  pid: { ...pidFlag, help: "only threads of this process blocking (the targets)" },
  tid: { ...tidFlag("t"), help: "only this thread blocking" },
  userThreadsOnly: BLOCK_FLAGS.userThreadsOnly,
  kernelThreadsOnly: BLOCK_FLAGS.kernelThreadsOnly,
  userOnly: { ...STACK_FLAGS.userOnly, help: "the waker's user stack only (no kernel frames)" },
  kernelOnly: { ...STACK_FLAGS.kernelOnly, help: "the waker's kernel stack only (bcc's output)" },
  minBlockUs: BLOCK_FLAGS.minBlockUs,
  maxBlockUs: BLOCK_FLAGS.maxBlockUs,
  delimited: { ...STACK_FLAGS.delimited, help: 'a "-" between the waker\'s kernel and user frames' },
  folded: {
    ...STACK_FLAGS.folded,
    help: 'one line per stack, "waker;root;...;leaf;target µs" (flame graphs)',
  },
  stackStorageSize: STACK_FLAGS.stackStorageSize,
};

const HELP = `tsnap wakeuptime [options] [DURATION]

Sums the time threads spend blocked by the stack of the thread that woke them, from the
sched_switch and sched_waking tracepoints: bcc's wakeuptime. The waker's kernel and user
stacks are taken as it wakes the blocked thread (in its own context), so the output says
who ended each wait and through which code path (a pipe write, a futex wake, a timer).
Totals are kept in the kernel and printed in microseconds at the end. Runs for DURATION
seconds, or until Ctrl-C. Needs root.

OPTIONS
${flagHelp(FLAGS)}
OUTPUT
  Text: "target: comm", the waker's stack leaf first (kernel frames from try_to_wake_up,
  then user frames), "waker: comm" and the total blocked µs; the largest last. Folded:
  "waker;root..leaf;target µs", largest first (tsnap flame --colors wakeup).

EXAMPLES
  tsnap wakeuptime 5                        # all threads, 5 seconds
  tsnap wakeuptime -p 1234 10               # who wakes process 1234's threads
  tsnap wakeuptime -f -p 1234 10 > w.folded && tsnap flame --colors wakeup w.folded -o w.svg
  tsnap wakeuptime -m 10000 -K 10           # waits of 10 ms or more, kernel stacks only
`;

export function parseWakeupArgs(argv: string[]): WakeupOptions {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  if (v.userOnly && v.kernelOnly) throw new UsageError("-U and -K exclude each other");
  if (v.pid !== null && v.tid !== null) throw new UsageError("-p and -t exclude each other");
  checkBlockFlags(v);
  return { ...v, state: null, durationS: durationPositional(positionals[0]) };
}

/** Blocked time by waker stack (rows in µs, symbolized). */
export function wakeuptime(
  o: WakeupOptions,
  signal: AbortSignal,
): Promise<{ rows: WakeRow[]; lost: number }> {
  return wakeStacks("wakeuptime", o, signal);
}

/** Prints a wake tool's result: bcc's header (text only), the stacks, a warning when stacks were lost. */
export async function printWakeReport(
  io: Io,
  o: { folded: boolean },
  header: string,
  measure: () => Promise<{ rows: WakeRow[]; lost: number }>,
  render: { text: (rows: WakeRow[]) => string; folded: (rows: WakeRow[]) => string },
): Promise<number> {
  if (!o.folded) io.out(header);
  const { rows, lost } = await measure();
  io.out(o.folded ? render.folded(rows) : `\n${render.text(rows)}`);
  if (lost > 0)
    io.err(`WARNING: ${lost} stack traces were lost (stack map full?); try a larger --stack-storage-size\n`);
  return 0;
}

/** bcc's first line: "Tracing blocked time (us) by kernel stack for 5 secs." (who and which stacks said). */
export function wakeHeader(
  what: string,
  o: { pid: number | null; tid: number | null; userOnly: boolean; kernelOnly: boolean; durationS: number },
): string {
  const who = o.pid !== null ? ` of PID ${o.pid}` : o.tid !== null ? ` of TID ${o.tid}` : "";
  const how = o.userOnly ? "user" : o.kernelOnly ? "kernel" : "user + kernel";
  const dur = Number.isFinite(o.durationS) ? ` for ${o.durationS} secs.` : "... Hit Ctrl-C to end.";
  return `Tracing blocked time (us)${who} by ${how} ${what}${dur}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseWakeupArgs(argv);
  return printWakeReport(io, o, wakeHeader("waker stack", o), () => wakeuptime(o, io.signal), {
    text: (rows) => renderWakeupText(rows, o),
    folded: (rows) => renderWakeupFolded(rows, o),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
