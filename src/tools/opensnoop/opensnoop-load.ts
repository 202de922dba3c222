// Loads opensnoop.bpf.o with its config and attaches the entry and exit tracepoints of
// open, openat and openat2 (those this kernel has); the records arrive in a ring buffer.
// The only module of the tool that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, LOST_RING, LOST_START, type OpensnoopConfig, SYSCALLS } from "./opensnoop-records.js";

/** The syscalls of the family this kernel has a tracepoint for (arm64 has no open). */
function tracedSyscalls(): string[] {
  const events = new Set(openTracefs().events("syscalls"));
  return SYSCALLS.filter((s) => events.has(`sys_enter_${s}`));
}

export function loadOpensnoop(config: OpensnoopConfig): SnoopSource {
  const syscalls = tracedSyscalls();
  // exits before entries: an open whose entry is seen is then always seen returning.
  const programs = [
    ...syscalls.map((s) => `opensnoop_exit_${s}`),
    ...syscalls.map((s) => `opensnoop_enter_${s}`),
  ];
  const object = { name: "opensnoop", programs, config: configBytes(config), cgroup: config.cgroup };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
