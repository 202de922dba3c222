// `tsnap sigsnoop`: every signal as the kernel generates it, with the sender, the target and
// the result, like bcc/libbpf-tools sigsnoop (same options, same layout); `-k` (and `tsnap
// killsnoop`, which is this command with -k always on, as libbpf-tools' killsnoop is)
// traces the kill(2), tkill(2) and tgkill(2) calls instead, with their return values.
// sigsnoop.bpf.c filters in the kernel and sends a record; this module prints the records
// (sigsnoop-report.ts) until Ctrl-C or -d, and says how many the kernel could not send.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { type FlagValues, flagHelp, parseFlags, switchFlag, textsFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./sigsnoop.tool.js";
import { decodeEvent, LOST_WORDS, parseSignals, type SigsnoopConfig } from "./sigsnoop-records.js";
import { header, jsonLine, line } from "./sigsnoop-report.js";

/** The flags of killsnoop: sigsnoop's but -k. */
export const SIGNAL_FLAGS = {
  failed: switchFlag({ long: "failed", short: "x", help: "only failed signals (a non-zero RESULT)" }),
  pid: { ...pidFlag, help: "only signals sent by this process" },
  signal: textsFlag({
    long: "signal",
    short: "s",
    arg: "SIGNALS",
    help: "only these signal numbers (1,9,15; repeatable)",
  }),
  name: switchFlag({ long: "name", short: "n", help: "signal names (SIGTERM) instead of numbers" }),
  duration: durationFlag(),
  json: jsonFlag("signal"),
};

const FLAGS = {
  ...SIGNAL_FLAGS,
  kill: switchFlag({
    long: "kill",
    short: "k",
    help: "only signals sent by kill(2), tkill(2) or tgkill(2), with their return value (killsnoop)",
  }),
};

const HELP = `tsnap sigsnoop: trace signals as they are generated (bcc sigsnoop)

USAGE
  tsnap sigsnoop [-x] [-k] [-n] [-p PID] [-s SIGNALS] [-d SECONDS] [--json]

Prints one line per signal the kernel generates (signal:signal_generate): kill(2) and its
kin, faults (SIGSEGV), SIGCHLD at an exit, timers, pipes. PID and COMM are the sender
(the task in which the signal was generated), TPID the target thread, RESULT the
tracepoint's errno (0: generated). With -k, the kill(2), tkill(2) and tgkill(2) calls
instead, each at its return, RESULT its return value (0 or -errno): what killsnoop
prints. Filters run in the kernel; runs until Ctrl-C or -d; signals the kernel could not
send are counted on stderr. Options and layout are libbpf-tools' sigsnoop. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap sigsnoop                   every signal until Ctrl-C
  sudo tsnap sigsnoop -k -n             kill calls, signal names
  sudo tsnap sigsnoop -x                failed signals only
  sudo tsnap sigsnoop -p 1216           signals sent by process 1216
  sudo tsnap sigsnoop -s 9,15 -d 60     a minute of SIGKILLs and SIGTERMs
  sudo tsnap sigsnoop --json | jq -c 'select(.sig == 11)'
`;

export interface SignalOptions extends SigsnoopConfig {
  names: boolean;
  durationS: number;
  json: boolean;
}

/** The options common to sigsnoop and killsnoop. Pure. */
export function signalOptions(v: FlagValues<typeof SIGNAL_FLAGS>): SignalOptions {
  return {
    pid: v.pid ?? 0,
    signals: parseSignals(v.signal),
    failed: v.failed,
    names: v.name,
    durationS: v.duration,
    json: v.json,
  };
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): SignalOptions & { kill: boolean } {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return { ...signalOptions(v), kill: v.kill };
}

/** Traces signals (`kill`: the kill-family calls only) as `o` says until Ctrl-C or the duration. */
export async function traceSignals(io: Io, o: SignalOptions, kill: boolean, name: string): Promise<number> {
  requireBpfPrivilege(name);
  const { loadSigsnoop } = await import("./sigsnoop-load.js");
  const src = loadSigsnoop(o, kill);
  const loop = {
    json: o.json,
    header: header(),
    tracing: kill ? "Tracing kill()s" : "Tracing signals",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, o.names, at);
  });
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  return traceSignals(io, o, o.kill, "sigsnoop");
}

export const command: Command = toolCommand(tool, HELP, run);
