// `tsnap cachestat`: page cache hits, misses and dirtied pages every interval, like
// bcc/libbpf-tools cachestat (same arguments, same layout). cachestat.bpf.c counts pages
// at filemap and writeback tracepoints; this module prints the differences between reads
// with /proc/meminfo's Buffers and Cached (cachestat-report.ts).
import { readFileSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, parseIntervalCount, pidFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./cachestat.tool.js";
import { cacheLine, countDeltas, header, renderJson, renderText } from "./cachestat-report.js";

const FLAGS = {
  timestamp: switchFlag({ long: "timestamp", short: "T", help: "the time at the start of each line" }),
  pid: { ...pidFlag, help: "only this process's page cache use (libbpf-tools has no such filter)" },
  json: jsonFlag("interval"),
};

const ARGS = [
  { name: "interval", help: "seconds between lines (default 1)" },
  { name: "count", help: "number of lines (default: until Ctrl-C)" },
];

const HELP = `tsnap cachestat: page cache hits, misses and dirtied pages (bcc cachestat)

USAGE
  tsnap cachestat [-T] [-p PID] [--json] [interval] [count]

Every interval (default 1 s), how many pages reads found in the page cache (HITS), how
many had to be read in (MISSES), how many pages were dirtied (DIRTIES), the hit ratio,
and /proc/meminfo's Buffers and Cached in MiB. Counted in the kernel at filemap and
writeback tracepoints (no kprobes): an access is a page a read(2)-family call or a file
page fault asked of the cache (mm_filemap_get_pages, mm_filemap_fault); a miss is a page
added to the cache (mm_filemap_add_to_page_cache) and not dirtied by a write
(writeback_dirty_folio); hits are the other accesses. Arguments and layout are
libbpf-tools' cachestat. Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap cachestat                 a line every second until Ctrl-C
  sudo tsnap cachestat -T 5 12         5-second lines with the time, for a minute
  sudo tsnap cachestat -p 4242 1       one process's hits and misses
  sudo tsnap cachestat --json 1 | jq -c '{hits, misses, hit_ratio}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ic = parseIntervalCount(positionals);
  // libbpf-tools' default interval is 1 s (not one report at the end).
  const intervalS = ic.intervalS === Number.POSITIVE_INFINITY ? 1 : ic.intervalS;
  const count = ic.count;
  requireBpfPrivilege("cachestat");
  const { loadCachestat } = await import("./cachestat-load.js");
  const src = loadCachestat({ pid: o.pid ?? 0 });
  try {
    io.err("Tracing page cache (filemap and writeback tracepoints)... Hit Ctrl-C to end.\n");
    if (!o.json) io.out(header(o.timestamp));
    let prev = src.read();
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const now = src.read();
      const at = new Date();
      const line = cacheLine(countDeltas(now, prev), readFileSync("/proc/meminfo", "utf8"));
      prev = now;
      io.out(o.json ? renderJson(line, at) : renderText(line, o.timestamp ? at : null));
      if (aborted || n >= count) break;
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
