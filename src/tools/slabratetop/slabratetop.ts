// `tsnap slabratetop`: kernel slab allocations per cache every interval, like top and like
// bcc/libbpf-tools slabratetop (same options, same layout). slabratetop.bpf.c counts each
// kmem:kmem_cache_alloc per cache name in the kernel; this module prints the differences
// between reads (slabratetop-report.ts).
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, pidFlag } from "../../command/flags.js";
import { runTopLoop, TOP_ARGS, topFlags, topTimes } from "../top-tool.js";
import { tool } from "./slabratetop.tool.js";
import { LOST_WORDS } from "./slabratetop-records.js";
import { renderJson, renderText, SORTS, sortRows } from "./slabratetop-report.js";

const FLAGS = {
  pid: pidFlag,
  ...topFlags({
    rowsArg: "ROWS",
    sortHelp: "order of the rows: size (bytes, the default), count (allocations), name",
    sorts: SORTS,
    sortFallback: "size",
  }),
  json: jsonFlag("cache per report"),
};

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
${flagHelp(FLAGS, true, TOP_ARGS)}
EXAMPLES
  sudo tsnap slabratetop                every second until Ctrl-C
  sudo tsnap slabratetop -C 5 10        5-second reports, 10 times, without clearing
  sudo tsnap slabratetop -s count -r 5  the 5 caches with the most allocations
  sudo tsnap slabratetop -p 1216        one process's allocations
  sudo tsnap slabratetop --json 10 1 | jq -c '{cache, allocs}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  return runTopLoop(io, {
    ...topTimes(positionals),
    noclear: o.noclear,
    json: o.json,
    name: "slabratetop",
    tracing: "Tracing slab allocations (kmem:kmem_cache_alloc)",
    lostWords: LOST_WORDS,
    open: async () => (await import("./slabratetop-load.js")).loadSlabratetop({ pid: o.pid ?? 0 }),
    order: (rows) => sortRows(rows, o.sort, o.rows),
    text: renderText,
    ndjson: renderJson,
  });
}

export const command: Command = toolCommand(tool, HELP, run);
