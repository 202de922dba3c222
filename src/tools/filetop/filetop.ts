// `tsnap filetop`: file reads and writes per thread and file every interval, like top and
// like bcc/libbpf-tools filetop (same options, same layout). filetop.bpf.c counts each
// read and write system call per (file, thread) in the kernel; this module prints what
// each interval added (filetop-report.ts).
import { readFileSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, oneOfFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, parseIntervalCount, pidFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./filetop.tool.js";
import { LOST_WORDS } from "./filetop-records.js";
import { renderJson, renderText, sortRows } from "./filetop-report.js";

const FLAGS = {
  pid: pidFlag,
  all: switchFlag({
    long: "all",
    short: "a",
    help: "every file (sockets, pipes, devices), not only regular files",
  }),
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
    help: "order of the rows: all (the default), reads, writes, rbytes, wbytes",
    choices: ["all", "reads", "writes", "rbytes", "wbytes"],
    fallback: "all",
  }),
  json: jsonFlag("thread and file per report"),
};

const ARGS = [
  { name: "interval", help: "seconds between reports (default 1)" },
  { name: "count", help: "number of reports (default: until Ctrl-C)" },
];

const HELP = `tsnap filetop: file reads and writes per thread and file, like top (bcc filetop)

USAGE
  tsnap filetop [-p PID] [-a] [-C] [-r MAXROWS] [-s SORT] [--json] [interval] [count]

Every interval (default 1 s), the read and write calls each thread made on each file
during it and the KB they moved (R_Kb, W_Kb), most first; T is the file's type (R
regular, S socket, O other) and FILE its name. Regular files only unless -a. Counted in
the kernel at the read and write system calls (read, pread64, readv, preadv, preadv2 and
their write twins), the file found from the fd in the task's file table: the bytes the
calls returned, where libbpf-tools' kprobe on vfs_read/vfs_write counts the bytes asked
(see the doc page). The screen is cleared between reports on a terminal unless -C.
Options and layout are libbpf-tools' filetop. Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap filetop                    every second until Ctrl-C
  sudo tsnap filetop -C 5 10            5-second reports, 10 times, without clearing
  sudo tsnap filetop -s wbytes -r 5     the 5 rows that wrote the most bytes
  sudo tsnap filetop -a -p 1216         one process, sockets and pipes too
  sudo tsnap filetop --json 10 1 | jq -c '{comm, file, rbytes, wbytes}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ic = parseIntervalCount(positionals);
  // libbpf-tools' default interval is 1 s (not one report at the end).
  const intervalS = ic.intervalS === Number.POSITIVE_INFINITY ? 1 : ic.intervalS;
  requireBpfPrivilege("filetop");
  const { loadFiletop } = await import("./filetop-load.js");
  const src = loadFiletop({ pid: o.pid ?? 0, all: o.all });
  try {
    io.err("Tracing file reads and writes... Hit Ctrl-C to end.\n");
    const seen = { start: 0, files: 0 };
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const shown = sortRows(src.take(), o.sort, o.rows);
      const at = new Date();
      if (o.json) io.out(renderJson(shown, at));
      else
        io.out(
          (io.isTTY && !o.noclear ? "\x1b[H\x1b[2J" : "") +
            renderText(shown, readFileSync("/proc/loadavg", "utf8"), at),
        );
      const lost = src.lost();
      for (const k of ["start", "files"] as const) {
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
