// `tsnap capable`: every security capability check, allowed or denied, like
// bcc/libbpf-tools capable (its options and layout; no stacks yet). capable.bpf.c filters
// on the capability:cap_capable tracepoint and sends each check; this module prints them
// (capable-report.ts) until Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, oneOfFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./capable.tool.js";
import { type CapableConfig, decodeEvent, LOST_WORDS, UNIQUE } from "./capable-records.js";
import { header, jsonLine, line } from "./capable-report.js";

const FLAGS = {
  pid: pidFlag,
  cgroup: cgroupFlag(),
  extra: switchFlag({ long: "extra-fields", short: "x", help: "extra fields: the TID and INSETID columns" }),
  unique: oneOfFlag({
    long: "unique",
    short: "u",
    arg: "TYPE",
    choices: UNIQUE,
    fallback: "off",
    help: "each capability once per process (pid) or per cgroup (cgroup); off: every check",
  }),
  duration: durationFlag(),
  json: jsonFlag("check"),
};

const HELP = `tsnap capable: trace security capability checks (bcc capable)

USAGE
  tsnap capable [-p PID | -c DIR] [-x] [-u pid|cgroup] [-d SECONDS] [--json]

Prints one line per capability check the kernel makes (capable(), ns_capable(), ...):
the process, the capability's number and NAME, and the VERDICT (allow or deny). It
reads the capability:cap_capable tracepoint, which this kernel has where libbpf-tools
needs a kprobe; the tracepoint does not carry the check's options, so AUDIT (and with
-x, INSETID) are "-". tsnap's own checks are left out. Filters run in the kernel. Runs
until Ctrl-C or -d. Layout is libbpf-tools' capable; its -K/-U stacks are not done
yet. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap capable                    every check until Ctrl-C
  sudo tsnap capable -p 1216 -x         one process's checks, with thread ids
  sudo tsnap capable -u pid             each capability once per process
  sudo tsnap capable --json | jq -c 'select(.verdict == "deny")'
`;

interface Options extends CapableConfig {
  extra: boolean;
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[], self = process.pid): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return {
    pid: v.pid ?? 0,
    self,
    cgroup: v.cgroup,
    unique: v.unique,
    extra: v.extra,
    durationS: v.duration,
    json: v.json,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("capable");
  const { loadCapable } = await import("./capable-load.js");
  const src = loadCapable(o);
  if (!o.json) io.out("Tracing capability checks... Hit Ctrl-C to end.\n");
  const loop = {
    json: o.json,
    header: header(o.extra),
    tracing: "Tracing capability checks",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    return o.json ? jsonLine(e, clock.wall(e.ts)) : line(e, o.extra, clock.wall(e.ts));
  });
}

export const command: Command = toolCommand(tool, HELP, run);
