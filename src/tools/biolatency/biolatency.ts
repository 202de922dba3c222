// `tsnap biolatency`: block I/O latency as log2 histograms made in the kernel, like
// bcc/libbpf-tools biolatency (same options, same layout). The timing is in
// biolatency.bpf.c (block_rq_insert/issue/complete); this module parses the options, loads
// it and prints the histograms every interval (hist-tool.ts).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, INTERVAL_COUNT_ARGS } from "../../command/flags.js";
import { diskDev, partitions } from "../block-devices.js";
import { HIST_FLAGS, type HistLoopOptions, histOptions, runHistLoop } from "../hist-tool.js";
import { tool } from "./biolatency.tool.js";
import { type BiolatencyConfig, LOST_WORDS } from "./biolatency-records.js";

const FLAGS = {
  ...HIST_FLAGS,
  queued: switchFlag({
    long: "queued",
    short: "Q",
    help: "include the time queued in the OS (from block_rq_insert)",
  }),
  perDisk: switchFlag({ long: "disks", short: "D", help: "one histogram per disk" }),
  perFlag: switchFlag({
    long: "flags",
    short: "F",
    help: "one histogram per set of I/O flags (Sync-Write, ReadAhead-Read...)",
  }),
  disk: textFlag({
    long: "disk",
    short: "d",
    arg: "DISK",
    help: "trace this disk only (a name in /proc/partitions: sda, nvme0n1)",
  }),
  cgroup: cgroupFlag("the task issuing the request is checked"),
};

const HELP = `tsnap biolatency: block device I/O latency as histograms (bcc biolatency)

USAGE
  tsnap biolatency [-T] [-m] [-Q] [-D] [-F] [-d DISK] [-c CGROUP] [--json] [interval] [count]

Times every block I/O request from its issue to the device (with -Q, from its insertion
in the OS queue) to its completion, and counts it in a log2 histogram in the kernel
(block_rq_* tracepoints: nothing is copied to user space per I/O). Prints the histogram
every interval seconds, count times, or once at Ctrl-C. Options and layout are bcc's
biolatency. Needs root and a kernel with tp_btf or raw_tp programs.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap biolatency                 one histogram of every I/O until Ctrl-C
  sudo tsnap biolatency 1 10            1-second histograms, 10 times
  sudo tsnap biolatency -mT 1           every second, in ms, with the time
  sudo tsnap biolatency -Q -D 5         per disk, including OS queue time, every 5 s
  sudo tsnap biolatency -F -d vda 10 1  10 s of vda's I/O, one histogram per flag set
  sudo tsnap biolatency -c /sys/fs/cgroup/system.slice/mysql.service 10 1
  sudo tsnap biolatency --json 1 | jq -c '{time, count}'
`;

interface Options extends BiolatencyConfig, Omit<HistLoopOptions, "tracing" | "lostWords"> {}

/** Flags → options; every bad value is a UsageError (an unknown disk: InputError). */
export function parseOptions(argv: string[], disks: () => Map<number, string> = partitions): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  const dev = v.disk === undefined ? 0 : diskDev(v.disk, disks());
  return {
    ...histOptions(v, positionals),
    dev,
    queued: v.queued,
    perDisk: v.perDisk,
    perFlag: v.perFlag,
    cgroup: v.cgroup,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("biolatency");
  const { loadBiolatency } = await import("./biolatency-load.js");
  const names = partitions();
  const src = loadBiolatency(o, (dev) => names.get(dev) ?? "Unknown");
  return runHistLoop(io, { ...o, tracing: "Tracing block device I/O", lostWords: LOST_WORDS }, src);
}

export const command: Command = toolCommand(tool, HELP, run);
