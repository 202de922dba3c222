// `tsnap bitesize`: the sizes of block I/O requests as log2 histograms of Kbytes made in
// the kernel, one per process name, like bcc/libbpf-tools bitesize (same options, same
// layout). The counting is in bitesize.bpf.c (block_rq_issue); this module parses the
// options, loads it and prints the histograms every interval (hist-tool.ts).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { INTERVAL_COUNT_ARGS, jsonFlag, parseIntervalCount, timeLineFlag } from "../../command/flags.js";
import { diskDev, partitions } from "../block-devices.js";
import { type HistLoopOptions, runHistLoop } from "../hist-tool.js";
import { tool } from "./bitesize.tool.js";
import { type BitesizeConfig, configBytes, LOST_WORDS } from "./bitesize-records.js";

const FLAGS = {
  timestamp: timeLineFlag,
  comm: textFlag({
    long: "comm",
    short: "c",
    arg: "COMM",
    help: "only I/O issued by tasks whose name starts with COMM",
  }),
  disk: textFlag({ long: "disk", short: "d", arg: "DISK", help: "trace this disk only (sda, nvme0n1, vda)" }),
  json: jsonFlag("histogram per report"),
};

const HELP = `tsnap bitesize: block I/O sizes as histograms, per process name (bcc bitesize)

USAGE
  tsnap bitesize [-T] [-c COMM] [-d DISK] [--json] [interval] [count]

Counts every block I/O request as it is issued to the device, by its size in Kbytes, in
a log2 histogram per name of the task issuing it (block_rq_issue, in the kernel: nothing
is copied per I/O). Prints the histograms every interval seconds, count times, or once
at Ctrl-C. Options and layout are libbpf-tools' bitesize. Needs root and a kernel with
tp_btf or raw_tp programs.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap bitesize                  one histogram per process until Ctrl-C
  sudo tsnap bitesize 1 10             1-second histograms, 10 times
  sudo tsnap bitesize -T -c fio 5      fio's I/O sizes every 5 s, with the time
  sudo tsnap bitesize -d nvme0n1 10 1  10 s of one disk
  sudo tsnap bitesize --json 1 | jq -c '{comm, count}'
`;

interface Options extends BitesizeConfig, Omit<HistLoopOptions, "tracing" | "lostWords"> {}

/** Flags → options; every bad value is a UsageError (an unknown disk: InputError). */
export function parseOptions(argv: string[], disks: () => Map<number, string> = partitions): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  const o: Options = {
    ...parseIntervalCount(positionals),
    comm: v.comm,
    dev: v.disk === undefined ? 0 : diskDev(v.disk, disks()),
    unit: "Kbytes",
    timestamp: v.timestamp,
    json: v.json,
  };
  configBytes(o); // a name too long is a usage error now, not at load
  return o;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("bitesize");
  const { loadBitesize } = await import("./bitesize-load.js");
  const src = loadBitesize(o);
  return runHistLoop(io, { ...o, tracing: "Tracing block device I/O", lostWords: LOST_WORDS }, src);
}

export const command: Command = toolCommand(tool, HELP, run);
