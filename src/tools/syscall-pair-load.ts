// Loads a syscall-pair tool's object (lib/syscall-pair.bpf.h: <tool>_enter_<syscall> and
// <tool>_exit_<syscall> programs, `events` ring, `lost` counters) with its config and
// attaches the tracepoints of those syscalls this kernel has (arm64 has no open, stat,
// lstat). Touches libbpf: the tools' -load.ts modules use it, imported when the command runs.
import { loadToolObject } from "../bpf/tool-object.js";
import { openTracefs } from "../platform/tracefs.js";
import { ringSource } from "./snoop-source.js";
import type { SnoopSource } from "./snoop-tool.js";
import { LOST_RING, LOST_START } from "./syscall-pair.js";

export function loadSyscallPair(
  name: string,
  syscalls: readonly string[],
  config: Buffer,
  cgroup?: string,
  ringBytes?: number,
): SnoopSource {
  const events = new Set(openTracefs().events("syscalls"));
  const traced = syscalls.filter((s) => events.has(`sys_enter_${s}`));
  // exits before entries: a call whose entry is seen is then always seen returning.
  const programs = [...traced.map((s) => `${name}_exit_${s}`), ...traced.map((s) => `${name}_enter_${s}`)];
  const maxEntries: Record<string, number> = ringBytes === undefined ? {} : { events: ringBytes };
  const object = { name, programs, config, cgroup, maxEntries };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
