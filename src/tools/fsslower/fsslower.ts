// `tsnap fsslower`: file reads, writes, opens and fsyncs slower than a threshold, one line
// each as they return, like bcc/libbpf-tools fsslower (and ext4slower, ...: `-t ext4`),
// with the same options and layout. Timed at the syscall layer (fsslower.bpf.c,
// lib/fsops.bpf.h): this kernel has no kprobes or fentry for the filesystem's functions.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { checkFsType, fsTypeFlag, knownFsTypes } from "../fs-ops.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./fsslower.tool.js";
import { decodeEvent, type FsslowerConfig, LOST_WORDS } from "./fsslower-records.js";
import { header, jsonLine, line, type ReportOptions } from "./fsslower-report.js";

const FLAGS = {
  fsType: fsTypeFlag,
  pid: pidFlag,
  min: decimalFlag({
    long: "min",
    short: "m",
    arg: "MS",
    help: "only operations slower than MS milliseconds (default 10; 0: every operation)",
    min: 0,
    max: 3_600_000,
    fallback: 10,
  }),
  duration: durationFlag(),
  csv: switchFlag({ long: "csv", short: "c", help: "CSV output (bcc's columns, latency in µs)" }),
  json: jsonFlag("operation"),
};

const HELP = `tsnap fsslower: file operations slower than a threshold, by filesystem type (bcc fsslower)

USAGE
  tsnap fsslower [-t FSTYPE] [-p PID] [-m MS] [-d SECONDS] [-c | --json]

Prints one line per read, write, open or fsync of a file that took longer than -m
milliseconds, when it returns: the process, the operation (R W O F), the bytes, the
offset in KB, the latency and the file's name. The file's filesystem type is read from
its superblock: -t ext4 is bcc's ext4slower. Runs until Ctrl-C or -d; operations the
kernel could not send are counted on stderr. Layout and options are libbpf-tools'
fsslower; without -t every type is traced and an FSTYPE column is added.

This measures the syscall layer, not the VFS: read(2), pread64, readv, preadv(2) (and the
same writes), open, openat, openat2, creat, fsync and fdatasync, timed from entry to
return (libbpf-tools times ext4_file_read_iter and the like with kprobes, which this
kernel lacks). An open includes its path lookup; BYTES is what the call returned (an
fsync's is LL_MAX: the whole file, as bcc prints it); I/O by mmap, sendfile, splice or
io_uring is not seen. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap fsslower -t ext4           ext4 operations slower than 10 ms
  sudo tsnap fsslower -t ext4 -m 1      slower than 1 ms
  sudo tsnap fsslower -t xfs -p 1216    one process's slow xfs operations
  sudo tsnap fsslower -t ext4 -c -d 10  10 s, as CSV
  sudo tsnap fsslower -m 0 -p 1216 --json | jq -c 'select(.operation == "fsync")'
`;

interface Options extends FsslowerConfig, ReportOptions {
  json: boolean;
}

/** Flags → options; a bad value is a UsageError, a type this kernel lacks an InputError. */
export function parseOptions(argv: string[], known: () => string[] = knownFsTypes): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  if (v.csv && v.json) throw new UsageError("-c and --json: choose one output");
  return {
    pid: v.pid ?? 0,
    fsType: checkFsType(v.fsType, known),
    minMs: v.min,
    durationS: v.duration,
    csv: v.csv,
    json: v.json,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("fsslower");
  const { loadFsslower } = await import("./fsslower-load.js");
  const src = loadFsslower(o);
  const loop = {
    json: o.json,
    header: header(o),
    tracing: `Tracing ${o.fsType ?? "file"} operations`,
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, o, at);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
