// `tsnap filelife`: files created and deleted while tracing, with their age, like
// bcc/libbpf-tools filelife (same option, same layout). filelife.bpf.c records each file an
// open creates and, when an unlink removes one of them, sends its age; this module prints
// the records (filelife-report.ts) until Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./filelife.tool.js";
import { decodeEvent, LOST_WORDS } from "./filelife-records.js";
import { HEADER, jsonLine, line } from "./filelife-report.js";

const FLAGS = {
  pid: pidFlag,
  duration: durationFlag(),
  json: jsonFlag("file removed"),
};

const HELP = `tsnap filelife: trace the lifespan of short-lived files (bcc filelife)

USAGE
  tsnap filelife [-p PID] [-d SECONDS] [--json]

Prints one line per file that was created while tracing and is then deleted: when it
was deleted, the process that deleted it, its AGE(s) (seconds from the create to the
delete) and its name. A file counts as created when open(2), openat(2), openat2(2) or
creat(2) made it (O_CREAT on a name that did not exist); deleted when unlink(2) or
unlinkat(2) removes it, under whatever name it has then (a rename is followed). With -p,
only files that process creates and deletes. Files made by mknod(2) or linked in from
O_TMPFILE are not seen (libbpf-tools hooks vfs_create, a kprobe this kernel has not).
Runs until Ctrl-C or -d. Layout is libbpf-tools' filelife. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap filelife                   every short-lived file until Ctrl-C
  sudo tsnap filelife -p 1216           files one process creates and deletes
  sudo tsnap filelife -d 60 --json | jq -c 'select(.age_s < 0.1)'
`;

interface Options {
  pid: number;
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return { pid: v.pid ?? 0, durationS: v.duration, json: v.json };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("filelife");
  const { loadFilelife } = await import("./filelife-load.js");
  const src = loadFilelife(o.pid);
  if (!o.json) io.out("Tracing the lifespan of short-lived files ... Hit Ctrl-C to end.\n");
  const loop = {
    json: o.json,
    header: HEADER,
    tracing: "Tracing the lifespan of short-lived files",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    return o.json ? jsonLine(e, clock.wall(e.ts)) : line(e, clock.wall(e.ts));
  });
}

export const command: Command = toolCommand(tool, HELP, run);
