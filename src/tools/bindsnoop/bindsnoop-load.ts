// Loads bindsnoop.bpf.o with its config and attaches the bind() syscall tracepoints; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { type BindsnoopConfig, configBytes } from "./bindsnoop-records.js";

export function loadBindsnoop(config: BindsnoopConfig): SnoopSource {
  const programs = ["bindsnoop_enter", "bindsnoop_exit"];
  return loadToolObject({ name: "bindsnoop", programs, config: configBytes(config) }, (col) =>
    ringSource(col, { ring: 0 }),
  );
}
