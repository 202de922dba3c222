// `tsnap softirqs`: the time spent in soft interrupts, per kind (vector), as totals (with
// -C, counts beside them) or log2 histograms (-d) made in the kernel, like bcc/libbpf-tools
// softirqs (same options, same layout). The timing is in softirqs.bpf.c
// (softirq_entry/exit); this module parses the options, loads it and prints a report
// every interval (hist-tool.ts's loop, irq-tool.ts's text).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { runHistLoop } from "../hist-tool.js";
import {
  cpuFlag,
  INTERVAL_COUNT_ARGS,
  IRQ_FLAGS,
  type IrqOptions,
  irqOptions,
  renderIrqText,
} from "../irq-tool.js";
import { tool } from "./softirqs.tool.js";
import { LOST_WORDS, type SoftirqsConfig } from "./softirqs-records.js";

const FLAGS = {
  ...IRQ_FLAGS,
  count: switchFlag({ long: "count", short: "C", help: "how many times each ran, beside its time" }),
  cpu: cpuFlag("c"),
};

const HELP = `tsnap softirqs: time in soft interrupts, per kind (bcc softirqs)

USAGE
  tsnap softirqs [-C | -d] [-T] [-N] [-c CPU] [--json] [interval] [count]

Times every run of every soft interrupt (irq:softirq_entry/exit) and adds it, in the
kernel, to its vector's total and log2 histogram (nothing is copied per softirq). The
vectors are /proc/softirqs' rows: hi, timer, net_tx, net_rx, block, irq_poll, tasklet,
sched, hrtimer, rcu. Prints the total time per vector (-C: and how many times it ran;
-d: a histogram of its run times) every interval seconds, count times, or once at
Ctrl-C. Options and layout are libbpf-tools' softirqs. Needs root and a kernel with
tp_btf or raw_tp programs.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap softirqs                  total time per vector until Ctrl-C
  sudo tsnap softirqs -d               a histogram of run times per vector
  sudo tsnap softirqs -C 1 10          times and counts every second, 10 times
  sudo tsnap softirqs -NT 1            1-second totals in nanoseconds, with the time
  sudo tsnap softirqs -c 1 -d 5 1      5 s of CPU 1's softirqs
  sudo tsnap softirqs --json 1 | jq -c '{softirq, count, sum_ns}'
`;

/** How softirqs prints (libbpf-tools' softirqs: vectors in number order). */
const STYLE = {
  title: "SOFTIRQ",
  width: 16,
  field: "softirq",
  countBeside: true,
  blankAfterHist: true,
  byValue: false,
};

interface Options extends SoftirqsConfig, IrqOptions {}

/** Flags → options; every bad value is a UsageError (a CPU not online: InputError). */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  return { ...irqOptions(v, positionals), cpu: v.cpu };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("softirqs");
  const { loadSoftirqs } = await import("./softirqs-load.js");
  const src = loadSoftirqs(o);
  return runHistLoop(
    io,
    {
      ...o,
      tracing: "Tracing soft irq event time",
      lostWords: LOST_WORDS,
      text: (deltas, at) => renderIrqText(deltas, o, STYLE, at),
    },
    src,
  );
}

export const command: Command = toolCommand(tool, HELP, run);
