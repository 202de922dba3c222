// `tsnap biotop`: block I/O per process and disk every interval, like top and like
// bcc/libbpf-tools biotop (same options, same layout). biotop.bpf.c sums each I/O per
// issuing process, disk and direction in the kernel at block tracepoints; this module
// prints the differences between reads (biotop-report.ts).
import { readFileSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, oneOfFlag, parseFlags, switchFlag, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, parseIntervalCount, pidFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { diskDev, partitions } from "../block-devices.js";
import { tool } from "./biotop.tool.js";
import { LOST_WORDS } from "./biotop-records.js";
import { renderJson, renderText, sortRows } from "./biotop-report.js";

const FLAGS = {
  pid: pidFlag,
  noclear: switchFlag({ long: "noclear", short: "C", help: "do not clear the screen between reports" }),
  rows: decimalFlag({
    long: "rows",
    short: "r",
    arg: "MAXROWS",
    help: "at most MAXROWS rows per report (default 20)",
    min: 1,
    max: 10240,
    integer: true,
    fallback: 20,
  }),
  sort: oneOfFlag({
    long: "sort",
    short: "s",
    arg: "SORT",
    help: "order of the rows: all (the default), io, bytes, time",
    choices: ["all", "io", "bytes", "time"],
    fallback: "all",
  }),
  disk: textFlag({ long: "disk", short: "d", arg: "DISK", help: "count this disk only (sda, nvme0n1, vda)" }),
  json: jsonFlag("process, disk and direction per report"),
};

const ARGS = [
  { name: "interval", help: "seconds between reports (default 1)" },
  { name: "count", help: "number of reports (default: until Ctrl-C)" },
];

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
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap biotop                     every second until Ctrl-C
  sudo tsnap biotop -C 5 10             5-second reports, 10 times, without clearing
  sudo tsnap biotop -s io -r 5          the 5 rows with the most I/Os
  sudo tsnap biotop -p 1216 -d nvme0n1  one process on one disk
  sudo tsnap biotop --json 10 1 | jq -c '{comm, dir, io, bytes}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ic = parseIntervalCount(positionals);
  // libbpf-tools' default interval is 1 s (not one report at the end).
  const intervalS = ic.intervalS === Number.POSITIVE_INFINITY ? 1 : ic.intervalS;
  const disks = partitions();
  const dev = o.disk === undefined ? 0 : diskDev(o.disk, disks);
  requireBpfPrivilege("biotop");
  const { loadBiotop } = await import("./biotop-load.js");
  const src = loadBiotop({ pid: o.pid ?? 0, dev });
  try {
    io.err("Tracing block I/O... Hit Ctrl-C to end.\n");
    const seen = { start: 0, counts: 0 };
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const shown = sortRows(src.take(), o.sort, o.rows);
      const at = new Date();
      if (o.json) io.out(renderJson(shown, disks, at));
      else
        io.out(
          (io.isTTY && !o.noclear ? "\x1b[H\x1b[2J" : "") +
            renderText(shown, disks, readFileSync("/proc/loadavg", "utf8"), at),
        );
      const lost = src.lost();
      for (const k of ["start", "counts"] as const) {
        if (lost[k] > seen[k]) io.err(`WARNING: ${lost[k] - seen[k]} ${LOST_WORDS[k]}\n`);
        seen[k] = lost[k];
      }
      if (aborted || n >= ic.count) break;
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
