// `tsnap slabratetop`: kernel slab allocations per cache every interval, like top and like
// bcc/libbpf-tools slabratetop (same options, same layout). slabratetop.bpf.c counts each
// kmem:kmem_cache_alloc per cache name in the kernel; this module prints the differences
// between reads (slabratetop-report.ts).
import { readFileSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, oneOfFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, parseIntervalCount, pidFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./slabratetop.tool.js";
import { LOST_WORDS } from "./slabratetop-records.js";
import { renderJson, renderText, sortRows } from "./slabratetop-report.js";

const FLAGS = {
  pid: pidFlag,
  noclear: switchFlag({ long: "noclear", short: "C", help: "do not clear the screen between reports" }),
  rows: decimalFlag({
    long: "rows",
    short: "r",
    arg: "ROWS",
    help: "at most ROWS rows per report (default 20)",
    min: 1,
    max: 10240,
    integer: true,
    fallback: 20,
  }),
  sort: oneOfFlag({
    long: "sort",
    short: "s",
    arg: "SORT",
    help: "order of the rows: size (bytes, the default), count (allocations), name",
    choices: ["size", "count", "name"],
    fallback: "size",
  }),
  json: jsonFlag("cache per report"),
};

const ARGS = [
  { name: "interval", help: "seconds between reports (default 1)" },
  { name: "count", help: "number of reports (default: until Ctrl-C)" },
];

const HELP = `tsnap slabratetop: kernel slab allocations per cache, like top (bcc slabratetop)

USAGE
  tsnap slabratetop [-p PID] [-C] [-r ROWS] [-s SORT] [--json] [interval] [count]

Every interval (default 1 s), how many objects each kernel slab cache allocated (ALLOCS)
and their bytes (BYTES, the cache's object size each), most bytes first. Counted in the
kernel at kmem:kmem_cache_alloc, which names the cache (no kprobes). kmalloc() has a
tracepoint of its own (kmem:kmalloc, no cache name) and is not counted, as libbpf-tools,
which probes kmem_cache_alloc, does not see it either on 6.x kernels. The screen is
cleared between reports on a terminal unless -C. Options and layout are libbpf-tools'
slabratetop. Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap slabratetop                every second until Ctrl-C
  sudo tsnap slabratetop -C 5 10        5-second reports, 10 times, without clearing
  sudo tsnap slabratetop -s count -r 5  the 5 caches with the most allocations
  sudo tsnap slabratetop -p 1216        one process's allocations
  sudo tsnap slabratetop --json 10 1 | jq -c '{cache, allocs}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ic = parseIntervalCount(positionals);
  // libbpf-tools' default interval is 1 s (not one report at the end).
  const intervalS = ic.intervalS === Number.POSITIVE_INFINITY ? 1 : ic.intervalS;
  const count = ic.count;
  requireBpfPrivilege("slabratetop");
  const { loadSlabratetop } = await import("./slabratetop-load.js");
  const src = loadSlabratetop({ pid: o.pid ?? 0 });
  try {
    io.err("Tracing slab allocations (kmem:kmem_cache_alloc)... Hit Ctrl-C to end.\n");
    let lostSeen = 0;
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
      if (lost > lostSeen) io.err(`WARNING: ${lost - lostSeen} ${LOST_WORDS.map}\n`);
      lostSeen = lost;
      if (aborted || n >= count) break;
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
