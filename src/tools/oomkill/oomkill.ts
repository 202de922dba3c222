// `tsnap oomkill`: every OOM kill as it happens, with the task whose allocation ran out of
// memory, the victim, its size and the load average, like bcc/libbpf-tools oomkill (same
// line). oomkill.bpf.c sends a record from oom:mark_victim (libbpf-tools needs a kprobe on
// oom_kill_process); this module prints the records (oomkill-report.ts) until Ctrl-C or -d.
import { readFileSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./oomkill.tool.js";
import { decodeEvent, LOST_WORDS } from "./oomkill-records.js";
import { jsonLine, line } from "./oomkill-report.js";

const FLAGS = {
  duration: durationFlag(),
  json: jsonFlag("OOM kill"),
};

const HELP = `tsnap oomkill: trace OOM kills (bcc oomkill)

USAGE
  tsnap oomkill [-d SECONDS] [--json]

Prints one line per OOM kill: the process whose allocation ran out of memory (the
trigger), the process the kernel killed (the victim), the victim's resident pages and
the load average (/proc/loadavg) when the line is printed. Traced on oom:mark_victim,
which the kernel fires when it picks the victim (libbpf-tools' oomkill needs a kprobe).
Runs until Ctrl-C or -d. Layout is libbpf-tools' oomkill; --json adds the victim's memory
as the kernel reports it (kB). Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap oomkill                    every OOM kill until Ctrl-C
  sudo tsnap oomkill -d 3600            an hour of them
  sudo tsnap oomkill --json | jq -c '{victim_comm, anon_rss_kb}'
`;

interface Options {
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return { durationS: v.duration, json: v.json };
}

function loadavg(): string | undefined {
  try {
    return readFileSync("/proc/loadavg", "utf8").trim();
  } catch {
    return undefined;
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("oomkill");
  const { loadOomkill } = await import("./oomkill-load.js");
  const src = loadOomkill();
  const loop = {
    json: o.json,
    header: "Tracing OOM kills... Ctrl-C to stop.\n",
    tracing: "Tracing OOM kills",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, at, loadavg());
  });
}

export const command: Command = toolCommand(tool, HELP, run);
