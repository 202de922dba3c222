// `tsnap hardirqs`: the time spent in hard interrupt handlers, per handler, as totals,
// counts (-C) or log2 histograms (-d) made in the kernel, like bcc/libbpf-tools hardirqs
// (same options, same layout). The timing is in hardirqs.bpf.c (irq_handler_entry/exit);
// this module parses the options, loads it and prints a report every interval
// (hist-tool.ts's loop, irq-tool.ts's text).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag } from "../../command/flags.js";
import { runHistLoop } from "../hist-tool.js";
import {
  cpuFlag,
  INTERVAL_COUNT_ARGS,
  IRQ_FLAGS,
  type IrqOptions,
  irqOptions,
  renderIrqText,
} from "../irq-tool.js";
import { tool } from "./hardirqs.tool.js";
import { type HardirqsConfig, LOST_WORDS } from "./hardirqs-records.js";

const FLAGS = {
  count: switchFlag({ long: "count", short: "C", help: "counts of handler runs instead of their time" }),
  ...IRQ_FLAGS,
  cpu: cpuFlag(),
  cgroup: cgroupFlag("the task a handler interrupts is checked"),
};

const HELP = `tsnap hardirqs: time in hard interrupt handlers, per handler (bcc hardirqs)

USAGE
  tsnap hardirqs [-C | -d] [-T] [-N] [--cpu CPU] [-c CGROUP] [--json] [interval] [count]

Times every run of every hard interrupt handler (irq:irq_handler_entry/exit) and adds it,
in the kernel, to the handler's total and log2 histogram (nothing is copied per
interrupt). Handlers are named as in /proc/interrupts' last column (virtio1-req.0,
nvme0q1, eth0). Prints the total time per handler (-C: how many times it ran; -d: a
histogram of its run times) every interval seconds, count times, or once at Ctrl-C.
Options and layout are libbpf-tools' hardirqs. Needs root and a kernel with tp_btf or
raw_tp programs.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap hardirqs                  total time per handler until Ctrl-C
  sudo tsnap hardirqs -d               a histogram of run times per handler
  sudo tsnap hardirqs -C 1 10          handler runs per second, 10 times
  sudo tsnap hardirqs -NT 1            1-second totals in nanoseconds, with the time
  sudo tsnap hardirqs --cpu 0 -d 5 1   5 s of CPU 0's handlers
  sudo tsnap hardirqs --json 1 | jq -c '{hardirq, count, sum_ns}'
`;

/** How hardirqs prints (libbpf-tools' hardirqs; rows by value, as bcc's). */
const STYLE = {
  title: "HARDIRQ",
  width: 26,
  field: "hardirq",
  countBeside: false,
  blankAfterHist: false,
  byValue: true,
};

interface Options extends HardirqsConfig, IrqOptions {}

/** Flags → options; every bad value is a UsageError (a CPU not online: InputError). */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  return { ...irqOptions(v, positionals), cpu: v.cpu, cgroup: v.cgroup };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("hardirqs");
  const { loadHardirqs } = await import("./hardirqs-load.js");
  const src = loadHardirqs(o);
  return runHistLoop(
    io,
    {
      ...o,
      tracing: o.counts ? "Tracing hard irq events" : "Tracing hard irq event time",
      lostWords: LOST_WORDS,
      text: (deltas, at) => renderIrqText(deltas, o, STYLE, at),
    },
    src,
  );
}

export const command: Command = toolCommand(tool, HELP, run);
