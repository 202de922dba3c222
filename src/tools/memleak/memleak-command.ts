// memleak -c: the command started held, so its first allocation is seen. A shell waits
// for a line on fd 3 and then execs the command under the same pid; memleak attaches its
// uprobes to that pid first, then releases it (libbpf-tools forks and waits on an eventfd
// the same way). The kernel program counts only after the pid's exec (its
// sched_process_exec hook), so the waiting shell's own allocations are not reported.
import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { InputError } from "../../errors.js";

export interface HeldCommand {
  pid: number;
  /** Lets the command run (exec). */
  release(): void;
  /** Resolves when the command has exited. */
  exited: Promise<void>;
  /** Ends it (SIGTERM) if it still runs. */
  kill(): void;
}

/** `sh -c` waits on fd 3, then `exec "$@"`: the command keeps the shell's pid. */
const HOLD = 'read _ <&3; exec 3<&-; exec "$0" "$@"';

export function spawnHeld(words: readonly string[]): HeldCommand {
  const child: ChildProcess = spawn("/bin/sh", ["-c", HOLD, ...words], {
    stdio: ["inherit", "inherit", "inherit", "pipe"],
  });
  if (child.pid === undefined) throw new InputError(`cannot start '${words.join(" ")}'`);
  let alive = true;
  const exited = new Promise<void>((res) =>
    child.once("exit", () => {
      alive = false;
      res();
    }),
  );
  child.once("error", () => {});
  const gate = child.stdio[3] as Writable;
  gate.on("error", () => {});
  return {
    pid: child.pid,
    release: () => gate.end("\n"),
    exited,
    kill: () => {
      if (alive) child.kill("SIGTERM");
      gate.destroy();
    },
  };
}
