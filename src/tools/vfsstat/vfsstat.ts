// `tsnap vfsstat`: file operations per second by kind, like bcc/libbpf-tools vfsstat (same
// arguments, same layout, three more columns). vfsstat.bpf.c counts the calls at syscall
// tracepoints; this module prints the differences between reads (vfsstat-report.ts).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, parseIntervalCount, pidFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./vfsstat.tool.js";
import { header, renderJson, renderText, statDeltas } from "./vfsstat-report.js";

const FLAGS = {
  pid: { ...pidFlag, help: "only this process's calls (libbpf-tools has no such filter)" },
  json: jsonFlag("interval"),
};

const ARGS = [
  { name: "interval", help: "seconds between lines (default 1)" },
  { name: "count", help: "number of lines (default: until Ctrl-C)" },
];

const HELP = `tsnap vfsstat: file operations per second, by kind (bcc vfsstat)

USAGE
  tsnap vfsstat [-p PID] [--json] [interval] [count]

Every interval (default 1 s), the calls per second that read files (READ: read, pread64,
readv, preadv, preadv2), wrote them (WRITE: the five writes), flushed them (FSYNC: fsync,
fdatasync), opened them (OPEN: open, openat, openat2, creat), asked to create them
(CREATE: creat, opens with O_CREAT, mknod), and removed files (UNLINK), made directories
(MKDIR) and removed them (RMDIR). Counted in the kernel at syscall tracepoints, when the
call returns without an error: a syscall-level view, where bcc counts calls of the VFS
functions (vfs_read, vfs_create, ...) with kprobes, which this kernel does not have.
Reads and writes of sockets and pipes are counted too, as vfs_read counts them; what
io_uring, sendfile, splice or the kernel itself does is not. Arguments and layout are
libbpf-tools' vfsstat, with UNLINK, MKDIR and RMDIR after its five columns. Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap vfsstat                   a line every second until Ctrl-C
  sudo tsnap vfsstat 5 3               5-second lines, three of them
  sudo tsnap vfsstat -p 4242 1         one process's file operations
  sudo tsnap vfsstat --json 1 | jq -c '{read_per_s, write_per_s, open_per_s}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ic = parseIntervalCount(positionals);
  // libbpf-tools' default interval is 1 s (not one report at the end).
  const intervalS = ic.intervalS === Number.POSITIVE_INFINITY ? 1 : ic.intervalS;
  requireBpfPrivilege("vfsstat");
  const { loadVfsstat } = await import("./vfsstat-load.js");
  const src = loadVfsstat({ pid: o.pid ?? 0 });
  try {
    io.err("Tracing file operations (syscall tracepoints)... Hit Ctrl-C to end.\n");
    if (!o.json) io.out(header());
    let prev = src.read();
    let since = performance.now();
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const now = src.read();
      const at = new Date();
      const t = performance.now();
      // The rate over the time it covers (a line cut short by Ctrl-C covers less).
      const seconds = Math.max(0.001, (t - since) / 1000);
      const d = statDeltas(now, prev);
      prev = now;
      since = t;
      io.out(o.json ? renderJson(d, seconds, at) : renderText(d, seconds, at));
      if (aborted || n >= ic.count) break;
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
