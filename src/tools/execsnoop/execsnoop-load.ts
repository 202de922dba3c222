// Loads execsnoop.bpf.o with its config and attaches its two syscall tracepoints; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type ExecsnoopConfig, LOST_RING, LOST_START } from "./execsnoop-records.js";

/** `lost()`: execs the kernel could not report: `ring` (the ring was full), `start` (the map of execs in progress). */
export function loadExecsnoop(config: ExecsnoopConfig): SnoopSource {
  const options = {
    name: "execsnoop",
    programs: ["execsnoop_exit_execve", "execsnoop_enter_execve"],
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(options, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
