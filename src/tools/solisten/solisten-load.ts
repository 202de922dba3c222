// Loads solisten.bpf.o with its config and attaches the listen() syscall tracepoints; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes } from "./solisten-records.js";

export function loadSolisten(pid: number | null): SnoopSource {
  const programs = ["solisten_enter", "solisten_exit"];
  return loadToolObject({ name: "solisten", programs, config: configBytes(pid) }, (col) =>
    ringSource(col, { ring: 0 }),
  );
}
