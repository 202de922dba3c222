// `tsnap filetop`: file reads and writes per thread and file every interval, like top and
// like bcc/libbpf-tools filetop (same options, same layout). filetop.bpf.c counts each
// read and write system call per (file, thread) in the kernel; this module prints what
// each interval added (filetop-report.ts).
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, pidFlag } from "../../command/flags.js";
import { runTopLoop, TOP_ARGS, topFlags, topTimes } from "../top-tool.js";
import { tool } from "./filetop.tool.js";
import { LOST_WORDS } from "./filetop-records.js";
import { renderJson, renderText, SORTS, sortRows } from "./filetop-report.js";

const FLAGS = {
  pid: pidFlag,
  all: switchFlag({
    long: "all",
    short: "a",
    help: "every file (sockets, pipes, devices), not only regular files",
  }),
  ...topFlags({
    rowsArg: "MAXROWS",
    sortHelp: "order of the rows: all (the default), reads, writes, rbytes, wbytes",
    sorts: SORTS,
    sortFallback: "all",
  }),
  json: jsonFlag("thread and file per report"),
};

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
${flagHelp(FLAGS, true, TOP_ARGS)}
EXAMPLES
  sudo tsnap filetop                    every second until Ctrl-C
  sudo tsnap filetop -C 5 10            5-second reports, 10 times, without clearing
  sudo tsnap filetop -s wbytes -r 5     the 5 rows that wrote the most bytes
  sudo tsnap filetop -a -p 1216         one process, sockets and pipes too
  sudo tsnap filetop --json 10 1 | jq -c '{comm, file, rbytes, wbytes}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  return runTopLoop(io, {
    ...topTimes(positionals),
    noclear: o.noclear,
    json: o.json,
    name: "filetop",
    tracing: "Tracing file reads and writes",
    lostWords: LOST_WORDS,
    open: async () => (await import("./filetop-load.js")).loadFiletop({ pid: o.pid ?? 0, all: o.all }),
    order: (rows) => sortRows(rows, o.sort, o.rows),
    text: renderText,
    ndjson: renderJson,
  });
}

export const command: Command = toolCommand(tool, HELP, run);
