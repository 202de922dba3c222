// `tsnap bashreadline`: every command line typed into a bash shell, like bcc/libbpf-tools
// bashreadline (same option, same layout). bashreadline.bpf.c copies the line readline()
// returns; this module prints the lines until Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./bashreadline.tool.js";
import { decodeEvent, LOST_WORDS, type ReadLine } from "./bashreadline-records.js";

const FLAGS = {
  shared: textFlag({
    long: "shared",
    short: "s",
    arg: "PATH",
    help: "the libreadline holding readline() (default: /bin/bash's own, else the libreadline it links)",
  }),
  duration: durationFlag(),
  json: jsonFlag("line"),
};

const HELP = `tsnap bashreadline: print the commands typed into every running bash (bcc bashreadline)

USAGE
  tsnap bashreadline [-s PATH] [-d SECONDS] [--json]

Prints one line per command line a bash shell reads from its user, as readline()
returns it: the time, the shell's PID and the COMMAND as typed (up to 255 bytes). A
uretprobe on readline() in /bin/bash (Debian's bash has it built in), or in the
libreadline given with -s; only processes named "bash" are listed, as libbpf-tools
does. Scripts and non-interactive shells do not call readline(). Runs until Ctrl-C or
-d. Layout is libbpf-tools' bashreadline. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap bashreadline                        every command typed, until Ctrl-C
  sudo tsnap bashreadline -s /usr/lib/libreadline.so.8
  sudo tsnap bashreadline --json | jq -r .command
`;

export const HEADER = `${"TIME".padEnd(9)} ${"PID".padEnd(7)} COMMAND\n`;

/** One line as libbpf-tools prints it; `at`: the wall time readline() returned. Pure. */
export function line(e: ReadLine, at: Date): string {
  return `${hhmmss(at).padEnd(9)} ${String(e.pid).padEnd(7)} ${e.line}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  requireBpfPrivilege("bashreadline");
  const { findReadline, loadBashreadline } = await import("./bashreadline-load.js");
  const src = loadBashreadline(findReadline(v.shared));
  const loop = {
    json: v.json,
    header: HEADER,
    tracing: "Tracing bash commands",
    durationS: v.duration,
    lostWords: LOST_WORDS,
  };
  if (!v.json) io.err("Tracing bash commands... Hit Ctrl-C to end.\n");
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return v.json ? `${toJson({ time: at.toISOString(), pid: e.pid, command: e.line })}\n` : line(e, at);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
