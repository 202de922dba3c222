// `tsnap cpudist`: how long tasks run on a CPU each time they get one (or, with -O, how
// long they stay off it), as log2 histograms made in the kernel, like bcc/libbpf-tools
// cpudist (same options, same layout). The timing is in cpudist.bpf.c (sched_switch);
// this module parses the options, loads it and prints the histograms (hist-tool.ts).
import { existsSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, INTERVAL_COUNT_ARGS, pidFlag } from "../../command/flags.js";
import { InputError, UsageError } from "../../errors.js";
import { HIST_FLAGS, type HistLoopOptions, histOptions, runHistLoop } from "../hist-tool.js";
import { tool } from "./cpudist.tool.js";
import { type CpudistConfig, LOST_WORDS } from "./cpudist-records.js";

const FLAGS = {
  offcpu: switchFlag({ long: "offcpu", short: "O", help: "time off the CPU (from switch-out to switch-in)" }),
  ...HIST_FLAGS,
  pids: switchFlag({ long: "pids", short: "P", help: "one histogram per process (pid = PID COMM)" }),
  tids: switchFlag({ long: "tids", short: "L", help: "one histogram per thread (tid = TID COMM)" }),
  pid: pidFlag,
  cgroup: cgroupFlag("the task running when the switch happens is checked"),
};

const HELP = `tsnap cpudist: on-CPU time per scheduling interval as histograms (bcc cpudist)

USAGE
  tsnap cpudist [-O] [-T] [-m] [-P | -L] [-p PID] [-c CGROUP] [--json] [interval] [count]

Times every stretch a task spends on a CPU, from the switch that puts it there to the
switch that takes it off (with -O, every stretch off the CPU), and counts it in a log2
histogram in the kernel (sched:sched_switch: nothing is copied per switch). Prints the
histogram every interval seconds, count times, or once at Ctrl-C. Options and layout are
libbpf-tools' cpudist. Needs root and a kernel with tp_btf or raw_tp programs.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap cpudist                   one histogram of on-CPU times until Ctrl-C
  sudo tsnap cpudist -O 1 10           off-CPU times, 1-second histograms, 10 times
  sudo tsnap cpudist -mT 1             every second, in ms, with the time
  sudo tsnap cpudist -P -p 185 5 1     5 s of process 185
  sudo tsnap cpudist -L --json 1 | jq -c '{tid, comm, count}'
`;

interface Options extends CpudistConfig, Omit<HistLoopOptions, "tracing" | "lostWords"> {}

/** Flags → options; every bad value is a UsageError. */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  if (v.pids && v.tids) throw new UsageError("-P and -L: one at a time");
  const pid = v.pid ?? 0;
  if (pid && !existsSync(`/proc/${pid}`)) throw new InputError(`no process with PID ${pid}`);
  return {
    ...histOptions(v, positionals),
    pid,
    key: v.pids ? "pid" : v.tids ? "tid" : "none",
    offcpu: v.offcpu,
    cgroup: v.cgroup,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("cpudist");
  const { loadCpudist } = await import("./cpudist-load.js");
  const src = loadCpudist(o);
  const tracing = `Tracing ${o.offcpu ? "off" : "on"}-CPU time`;
  return runHistLoop(io, { ...o, tracing, lostWords: LOST_WORDS }, src);
}

export const command: Command = toolCommand(tool, HELP, run);
