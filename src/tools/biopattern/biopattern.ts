// `tsnap biopattern`: how much of each disk's I/O is random and how much sequential, like
// bcc/libbpf-tools biopattern (same options, same layout). The counting is in
// biopattern.bpf.c (block_rq_complete); this module parses the options, loads it and
// prints the differences every interval (report-loop.ts), or once at Ctrl-C.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { INTERVAL_COUNT_ARGS, jsonFlag, parseIntervalCount, timeLineFlag } from "../../command/flags.js";
import { diskDev, partitions } from "../block-devices.js";
import { reportLoop } from "../report-loop.js";
import { tool } from "./biopattern.tool.js";
import type { DiskPattern } from "./biopattern-records.js";
import { header, jsonLines, lines, patternDeltas } from "./biopattern-report.js";

const FLAGS = {
  timestamp: { ...timeLineFlag, help: "a TIME column (HH:MM:SS)" },
  disk: textFlag({ long: "disk", short: "d", arg: "DISK", help: "trace this disk only (sda, nvme0n1, vda)" }),
  json: jsonFlag("disk per report"),
};

const HELP = `tsnap biopattern: random and sequential block I/O per disk (bcc biopattern)

USAGE
  tsnap biopattern [-T] [-d DISK] [--json] [interval] [count]

Counts every block I/O request as it completes (block_rq_complete, in the kernel): one
that starts where the disk's previous request ended is sequential, any other is random.
Prints, per disk with I/O, the percentages, the count and the Kbytes every interval
seconds, count times, or once at Ctrl-C. Options and layout are libbpf-tools'
biopattern. Needs root and a kernel with tp_btf or raw_tp programs.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap biopattern                one report per disk at Ctrl-C
  sudo tsnap biopattern 1 10           1-second reports, 10 times
  sudo tsnap biopattern -T 1           every second, with the time
  sudo tsnap biopattern -d nvme0n1 5   one disk, every 5 s
  sudo tsnap biopattern --json 1 | jq -c '{disk, random_pct, count}'
`;

/** Flags → options; every bad value is a UsageError (an unknown disk: InputError). */
export function parseOptions(argv: string[], disks: () => Map<number, string> = partitions) {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  return {
    ...parseIntervalCount(positionals),
    dev: v.disk === undefined ? 0 : diskDev(v.disk, disks()),
    timestamp: v.timestamp,
    json: v.json,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("biopattern");
  const { loadBiopattern } = await import("./biopattern-load.js");
  const src = loadBiopattern(o);
  try {
    const names = partitions();
    const hello = "Tracing block device I/O requested seeks... Hit Ctrl-C to end.\n";
    if (o.json) io.err(hello);
    else io.out(hello + header(o.timestamp));
    let prev = new Map<number, DiskPattern>();
    const times = {
      intervalS: Number.isFinite(o.intervalS) ? o.intervalS : 0,
      durationS: o.intervalS * o.count,
    };
    await reportLoop(io, times, () => {
      const now = src.read();
      const at = new Date();
      const deltas = patternDeltas(prev, now);
      io.out(o.json ? jsonLines(deltas, names, at) : lines(deltas, names, o.timestamp ? at : null));
      prev = new Map(now.map((d) => [d.dev, d]));
    });
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
