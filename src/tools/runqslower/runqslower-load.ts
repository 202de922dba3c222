// Loads runqslower.bpf.o with its config, attaches the sched hooks on the pair this kernel
// supports (tp_btf, else raw_tp); the records arrive in a ring buffer. The only module of
// the tool that touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, LOST, type RunqslowerConfig } from "./runqslower-records.js";

export function loadRunqslower(config: RunqslowerConfig): SnoopSource {
  const kind = hookPair("runqslower", "tp_btf_sched");
  const object = {
    name: "runqslower",
    programs: pairPrograms(kind, ["runqslower_switch", "runqslower_wakeup", "runqslower_wakeup_new"]),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => ringSource(col, LOST));
}
