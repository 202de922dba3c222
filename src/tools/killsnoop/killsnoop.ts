// `tsnap killsnoop`: every kill(2), tkill(2) and tgkill(2) call as it returns, with the
// signal, the target and the return value, like bcc killsnoop and libbpf-tools' killsnoop
// (which is its sigsnoop run as `sigsnoop -k`): this is `tsnap sigsnoop -k`, with
// sigsnoop's other options (the program, records and layout are sigsnoop's).
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { SIGNAL_FLAGS, type SignalOptions, signalOptions, traceSignals } from "../sigsnoop/sigsnoop.js";
import { tool } from "./killsnoop.tool.js";

const HELP = `tsnap killsnoop: trace kill(), tkill() and tgkill() calls (bcc killsnoop)

USAGE
  tsnap killsnoop [-x] [-n] [-p PID] [-s SIGNALS] [-d SECONDS] [--json]

Prints one line per kill(2), tkill(2) or tgkill(2) call, when it returns: the sender's
PID and COMM, the signal, the target (TPID: kill's pid argument, which may be 0, -1 or
-PGID; the thread for tkill and tgkill) and RESULT, the call's return value (0, or
-errno: -3 no such process, -22 invalid signal, -1 not permitted). Calls with signal 0
(a process's existence test) are listed too. Filters run in the kernel at the call's
entry; runs until Ctrl-C or -d; calls the kernel could not send are counted on stderr.
The same as \`tsnap sigsnoop -k\`; layout and options are libbpf-tools' killsnoop. Needs
root.

OPTIONS
${flagHelp(SIGNAL_FLAGS)}
EXAMPLES
  sudo tsnap killsnoop                  every kill call until Ctrl-C
  sudo tsnap killsnoop -x -n            failed ones, with signal names
  sudo tsnap killsnoop -s 9             SIGKILLs only
  sudo tsnap killsnoop -p 1216          calls made by process 1216
  sudo tsnap killsnoop --json | jq -c 'select(.ret != 0)'
`;

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): SignalOptions {
  return signalOptions(parseFlags(argv, SIGNAL_FLAGS, 0).values);
}

async function run(argv: string[], io: Io): Promise<number> {
  return traceSignals(io, parseOptions(argv), true, "killsnoop");
}

export const command: Command = toolCommand(tool, HELP, run);
