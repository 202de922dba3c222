// `tsnap fsdist`: the latency of file reads, writes, opens and fsyncs as log2 histograms
// made in the kernel, one per operation, like bcc/libbpf-tools fsdist (and ext4dist,
// xfsdist, ...: `-t ext4`), with the same options and layout. Timed at the syscall layer
// (fsdist.bpf.c, lib/fsops.bpf.h), not in the filesystem's functions: this kernel has no
// kprobes or fentry. The printing is hist-tool.ts's.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { INTERVAL_COUNT_ARGS, pidFlag } from "../../command/flags.js";
import { checkFsType, fsTypeFlag, knownFsTypes } from "../fs-ops.js";
import { HIST_FLAGS, type HistLoopOptions, histOptions, runHistLoop } from "../hist-tool.js";
import { tool } from "./fsdist.tool.js";
import { type FsdistConfig, LOST_WORDS } from "./fsdist-records.js";

const FLAGS = { ...HIST_FLAGS, pid: pidFlag, fsType: fsTypeFlag };

const HELP = `tsnap fsdist: file operation latency as histograms, by filesystem type (bcc fsdist)

USAGE
  tsnap fsdist [-t FSTYPE] [-T] [-m] [-p PID] [--json] [interval] [count]

Times every read, write, open and fsync of a file, from the syscall's entry to its
return, and counts it in a log2 histogram per operation in the kernel (nothing is copied
to user space per call). The file's filesystem type is read from its superblock
(file->f_inode->i_sb->s_type->name): -t ext4 is bcc's ext4dist. Prints every interval
seconds, count times, or once at Ctrl-C. Layout and options are libbpf-tools' fsdist;
without -t every type is traced and each histogram names its type.

This measures the syscall layer, not the VFS: read(2), pread64, readv, preadv(2) (and the
same writes), open, openat, openat2, creat, fsync and fdatasync. libbpf-tools times the
filesystem's own functions (ext4_file_read_iter, ...) with kprobes, which this kernel does
not have. So an open here includes the path lookup, reads of pipes and sockets are
traced under their own types (pipefs, sockfs), getattr is not traced, and I/O that does
not go through these syscalls (mmap faults, sendfile, io_uring, splice) is not seen.
Needs root.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap fsdist -t ext4             ext4 operation latency until Ctrl-C
  sudo tsnap fsdist -t xfs 1 10         1-second histograms of xfs, 10 times
  sudo tsnap fsdist -t ext4 -p 1216 -m 5   one process, every 5 s, in ms
  sudo tsnap fsdist 10 1                10 s of every filesystem type's operations
  sudo tsnap fsdist -t tmpfs --json 1 | jq -c '{operation, count}'
`;

interface Options extends FsdistConfig, Omit<HistLoopOptions, "tracing" | "lostWords"> {}

/** Flags → options; a bad value is a UsageError, a type this kernel lacks an InputError. */
export function parseOptions(argv: string[], known: () => string[] = knownFsTypes): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  return { ...histOptions(v, positionals), pid: v.pid ?? 0, fsType: checkFsType(v.fsType, known) };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("fsdist");
  const { loadFsdist } = await import("./fsdist-load.js");
  const src = loadFsdist(o);
  const tracing = `Tracing ${o.fsType ?? "file"} operation latency`;
  return runHistLoop(io, { ...o, tracing, lostWords: LOST_WORDS }, src);
}

export const command: Command = toolCommand(tool, HELP, run);
