// `tsnap biotop`: block I/O per process and disk every interval, like top and like
// bcc/libbpf-tools biotop (same options, same layout). biotop.bpf.c sums each I/O per
// issuing process, disk and direction in the kernel at block tracepoints; this module
// prints the differences between reads (biotop-report.ts).
import { flagHelp, parseFlags, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, pidFlag } from "../../command/flags.js";
import { diskDev, partitions } from "../block-devices.js";
import { runTopLoop, TOP_ARGS, topFlags, topTimes } from "../top-tool.js";
import { tool } from "./biotop.tool.js";
import { LOST_WORDS } from "./biotop-records.js";
import { renderJson, renderText, SORTS, sortRows } from "./biotop-report.js";

const FLAGS = {
  pid: pidFlag,
  ...topFlags({
    rowsArg: "MAXROWS",
    sortHelp: "order of the rows: all (the default), io, bytes, time",
    sorts: SORTS,
    sortFallback: "all",
  }),
  disk: textFlag({ long: "disk", short: "d", arg: "DISK", help: "count this disk only (sda, nvme0n1, vda)" }),
  json: jsonFlag("process, disk and direction per report"),
};

const HELP = `tsnap biotop: block device I/O per process, like top (bcc biotop)

USAGE
  tsnap biotop [-p PID] [-d DISK] [-C] [-r MAXROWS] [-s SORT] [--json] [interval] [count]

Every interval (default 1 s), the block I/Os each process submitted, per disk and
direction (D: R or W), completed during it: their count (I/O), size (Kbytes) and the
average time from issue to the driver to completion (AVGms). The process is the task that
made the request (block_io_start, where the kernel starts accounting it); an I/O counts
when it completes (block_io_done, where /proc/diskstats counts it). Writes the kernel
flushes from the page cache belong to the flusher thread (kworker), as in bcc. On block
tracepoints: libbpf-tools' biotop needs kprobes. The screen is cleared between reports on
a terminal unless -C. Needs root.

OPTIONS
${flagHelp(FLAGS, true, TOP_ARGS)}
EXAMPLES
  sudo tsnap biotop                     every second until Ctrl-C
  sudo tsnap biotop -C 5 10             5-second reports, 10 times, without clearing
  sudo tsnap biotop -s io -r 5          the 5 rows with the most I/Os
  sudo tsnap biotop -p 1216 -d nvme0n1  one process on one disk
  sudo tsnap biotop --json 10 1 | jq -c '{comm, dir, io, bytes}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const times = topTimes(positionals);
  const disks = partitions();
  const dev = o.disk === undefined ? 0 : diskDev(o.disk, disks);
  return runTopLoop(io, {
    ...times,
    noclear: o.noclear,
    json: o.json,
    name: "biotop",
    tracing: "Tracing block I/O",
    lostWords: LOST_WORDS,
    open: async () => (await import("./biotop-load.js")).loadBiotop({ pid: o.pid ?? 0, dev }),
    order: (rows) => sortRows(rows, o.sort, o.rows),
    text: (rows, loadavg, at) => renderText(rows, disks, loadavg, at),
    ndjson: (rows, at) => renderJson(rows, disks, at),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
