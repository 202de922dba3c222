// `tsnap --help`: every command with its summary (the registry's full list) and examples.

import { COMMANDS } from "./registry.js";
import { VERSION } from "./version.js";

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `tsnap ${VERSION}: what every Linux thread is doing and waiting on

USAGE
  tsnap <command> [options]      tsnap <command> --help

COMMANDS
${lines.join("\n")}

EXAMPLES
  tsnap top                      active threads over 5 s, grouped by comm,state
  tsnap top -a -g state,syscall  all threads, by state and syscall
  tsnap schedlat 1234            run-queue latency of process 1234, per second
  tsnap syscalls 'read|write'    syscalls matching a regex, with their arguments
`;
}
