// `tsnap syscalls [REGEX]`: the syscalls this kernel can trace, with their numbers and
// argument lists, read from tracefs events/syscalls/sys_enter_*/format (0x.tools syscallargs).

import { flagHelp, parseFlags, regexFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { tableOrJsonFlag } from "../../command/flags.js";
import { InputError } from "../../errors.js";
import { syscallNumber } from "../../platform/syscall-table.js";
import { openTracefs, type Tracefs } from "../../platform/tracefs.js";
import { syscallArgs } from "../../platform/tracefs-format.js";
import { jsonArray } from "../../report/table.js";
import { tool } from "./syscalls.tool.js";

export interface SyscallEntry {
  name: string;
  /** Number on this architecture; absent when the table does not know the name. */
  nr?: number;
  args: { type: string; name: string }[];
}

const ENTER = "sys_enter_";

/** Syscalls whose name matches `re`, sorted by name, from the tracefs formats. */
export function listSyscalls(fs: Tracefs, re: RegExp, arch: string = process.arch): SyscallEntry[] {
  const out: SyscallEntry[] = [];
  for (const event of fs.events("syscalls")) {
    if (!event.startsWith(ENTER)) continue;
    const name = event.slice(ENTER.length);
    if (!re.test(name)) continue;
    const args = syscallArgs(fs.format("syscalls", event)).map((f) => ({ type: f.type, name: f.name }));
    const nr = syscallNumber(name, arch);
    out.push(nr === undefined ? { name, args } : { name, nr, args });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `read(unsigned int fd, char * buf, size_t count)` */
export function signature(e: SyscallEntry): string {
  return `${e.name}(${e.args.map((a) => `${a.type} ${a.name}`).join(", ")})`;
}

/** One line per syscall: the number (or "-") right-aligned, then the signature. Pure. */
export function renderSyscallTable(entries: readonly SyscallEntry[]): string {
  const width = Math.max(2, ...entries.map((e) => String(e.nr ?? "-").length));
  const lines = [`${"NR".padStart(width)}  SYSCALL(ARGUMENTS)`];
  for (const e of entries) lines.push(`${String(e.nr ?? "-").padStart(width)}  ${signature(e)}`);
  return `${lines.join("\n")}\n`;
}

const FLAGS = { format: tableOrJsonFlag("an array of {name, nr?, args: [{type, name}]}") };

const HELP = `tsnap syscalls: list syscalls and their arguments (like 0x.tools syscallargs)

USAGE
  tsnap syscalls [REGEX] [--format FMT]

Lists the syscalls this kernel has tracepoints for (events/syscalls/sys_enter_* in tracefs),
with their number on this architecture and their arguments as the kernel declares them.
REGEX (a JavaScript regular expression) selects syscalls whose name it matches anywhere;
anchor it (^read$) for an exact name. Numbers come from the kernel UAPI headers tsnap was
built with; syscalls newer than those headers show "-". Needs read access to tracefs (root);
mounts it at /sys/kernel/tracing when it is missing and we are root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  tsnap syscalls                     every syscall
  tsnap syscalls '^read$'            just read(2)
  tsnap syscalls 'read|write'        read, pread64, readv, write, ...
  tsnap syscalls --format json ^io_uring
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, 1);
  const { format } = values;
  const re = regexFlag(positionals[0] ?? "", "REGEX");
  const entries = listSyscalls(openTracefs(), re);
  if (entries.length === 0) throw new InputError(`no syscall matches /${re.source}/`);
  io.out(format === "json" ? jsonArray(entries) : renderSyscallTable(entries));
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
