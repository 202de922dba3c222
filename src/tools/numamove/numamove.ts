// `tsnap numamove`: NUMA balancing's page migrations and the time they took, every
// second, like bcc/libbpf-tools numamove (same layout). numamove.bpf.c counts them at the
// migrate tracepoints; this module prints the differences between reads.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, parseIntervalCount } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./numamove.tool.js";
import { HEADER, migrationDeltas, renderJson, renderText } from "./numamove-report.js";

const FLAGS = { json: jsonFlag("interval") };

const ARGS = [
  { name: "interval", help: "seconds between lines (default 1, as libbpf-tools)" },
  { name: "count", help: "number of lines (default: until Ctrl-C)" },
];

const HELP = `tsnap numamove: NUMA balancing's page migrations (bcc numamove)

USAGE
  tsnap numamove [--json] [interval] [count]

Every second, how many times NUMA balancing moved a task's misplaced pages to the node
it runs on (NUMA_migrations) and the milliseconds those moves took (NUMA_migrations_ms).
Counted in the kernel at migrate:mm_migrate_pages_start and mm_migrate_pages with the
reason numa_misplaced (what libbpf-tools times with kprobes on migrate_misplaced_folio).
A machine with one NUMA node (most VMs) never migrates for NUMA balancing: every line is
0. Layout is libbpf-tools' numamove. Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap numamove                  a line every second until Ctrl-C
  sudo tsnap numamove 10 6             10-second lines for a minute
  sudo tsnap numamove --json | jq -c '{migrations, pages}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ic = parseIntervalCount(positionals);
  // libbpf-tools prints every second (not one report at the end).
  const intervalS = ic.intervalS === Number.POSITIVE_INFINITY ? 1 : ic.intervalS;
  requireBpfPrivilege("numamove");
  const { loadNumamove } = await import("./numamove-load.js");
  const src = loadNumamove();
  try {
    io.err("Tracing NUMA balancing migrations (migrate tracepoints)... Hit Ctrl-C to end.\n");
    if (!o.json) io.out(HEADER);
    let prev = src.read();
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const now = src.read();
      const at = new Date();
      const d = migrationDeltas(now, prev);
      prev = now;
      io.out(o.json ? renderJson(d, at) : renderText(d, at));
      if (aborted || n >= ic.count) break;
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
