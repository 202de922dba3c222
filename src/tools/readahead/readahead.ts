// `tsnap readahead`: how much of what readahead brought into the page cache was read, and
// how long it waited to be read, like bcc/libbpf-tools readahead (same options, same
// layout). readahead.bpf.c judges every page in the kernel at readahead and filemap
// tracepoints; this module reads its counts at the end (readahead-report.ts prints them).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./readahead.tool.js";
import { renderJson, renderText } from "./readahead-report.js";

const FLAGS = {
  duration: durationFlag(),
  verbose: switchFlag({
    long: "verbose",
    short: "v",
    help: "libbpf's log on stderr, and the counts behind unused/total",
  }),
  pid: { ...pidFlag, help: "only this process's readahead and reads (libbpf-tools has no such filter)" },
  json: jsonFlag("run, at its end"),
};

const HELP = `tsnap readahead: readahead pages never read, and the wait of the others (bcc readahead)

USAGE
  tsnap readahead [-d SECONDS] [-v] [-p PID] [--json]

Until Ctrl-C (or for -d seconds), follows every page that readahead brings into the page
cache: how many it brought (total), how many were not read by the end (unused), and a
histogram of how long, in milliseconds, the others waited from their readahead to their
first read. Judged in the kernel at tracepoints (this kernel has no fentry, which
libbpf-tools uses): readahead:page_cache_ra_order and page_cache_ra_unbounded mark the pages
a thread is about to read ahead, filemap:mm_filemap_add_to_page_cache the pages it adds, and
a read is a read(2)-family call asking for the page (mm_filemap_get_pages) or a page fault
on it (mm_filemap_fault). A page read ahead for the very call that asked for it waits 0 ms.
Options and layout are libbpf-tools' readahead. Needs root.

OPTIONS
${flagHelp(FLAGS, true)}
EXAMPLES
  sudo tsnap readahead                 until Ctrl-C
  sudo tsnap readahead -d 10           10 seconds
  sudo tsnap readahead -v -d 10        with the counts behind unused/total
  sudo tsnap readahead -p 4242 -d 30   one process's readahead
  sudo tsnap readahead --json -d 5 | jq '{unused, total}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS, 0);
  requireBpfPrivilege("readahead");
  const { loadReadahead } = await import("./readahead-load.js");
  const { setPrint } = await import("../../bpf/libbpf.js");
  if (o.verbose) setPrint((_level, line) => io.err(line));
  let src: ReturnType<typeof loadReadahead>;
  try {
    src = loadReadahead({ pid: o.pid ?? 0 });
  } finally {
    if (o.verbose) setPrint(null);
  }
  try {
    io.err("Tracing fs read-ahead (readahead and filemap tracepoints)... Hit Ctrl-C to end.\n");
    await waitOrAbort(o.duration * 1000, io.signal);
    if (io.signal.reason === "EPIPE") return 0;
    const c = src.read();
    io.out(o.json ? renderJson(c, new Date()) : renderText(c, o.verbose));
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
