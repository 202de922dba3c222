// Loads statsnoop.bpf.o with its config and attaches the entry and exit tracepoints of the
// stat-family syscalls this kernel has; the records arrive in a ring buffer. The only
// module of the tool that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, LOST_RING, LOST_START, type StatsnoopConfig, SYSCALLS } from "./statsnoop-records.js";

export function loadStatsnoop(config: StatsnoopConfig): SnoopSource {
  const events = new Set(openTracefs().events("syscalls"));
  const syscalls = SYSCALLS.filter((s) => events.has(`sys_enter_${s}`));
  // exits before entries: a call whose entry is seen is then always seen returning.
  const programs = [
    ...syscalls.map((s) => `statsnoop_exit_${s}`),
    ...syscalls.map((s) => `statsnoop_enter_${s}`),
  ];
  const object = { name: "statsnoop", programs, config: configBytes(config) };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
