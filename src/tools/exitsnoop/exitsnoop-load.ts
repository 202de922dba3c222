// Loads exitsnoop.bpf.o with its config and attaches sched:sched_process_exit; the records
// arrive in a ring buffer. The only module of the tool that touches libbpf, imported when
// the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type ExitsnoopConfig } from "./exitsnoop-records.js";

export function loadExitsnoop(config: ExitsnoopConfig): SnoopSource {
  const object = {
    name: "exitsnoop",
    programs: ["exitsnoop_exit"],
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) => ringSource(col, { ring: 0 }));
}
