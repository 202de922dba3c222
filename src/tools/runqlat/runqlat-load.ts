// Loads runqlat.bpf.o with its config, attaches the hooks on the pair this kernel supports
// (tp_btf, else raw_tp), and reads the histograms. The only module of the tool that
// touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import { type HistSource, u32KeyEntry } from "../hist-tool.js";
import { configBytes, type RunqlatConfig } from "./runqlat-records.js";

/** Which hook pair: "tp_btf" or "raw_tp", the first that probes ok. */
export const hookKind = (): "tp_btf" | "raw_tp" => hookPair("runqlat", "tp_btf_sched");

export function loadRunqlat(config: RunqlatConfig, kind = hookKind()): HistSource {
  const object = {
    name: "runqlat",
    programs: pairPrograms(kind, ["runqlat_switch", "runqlat_wakeup", "runqlat_wakeup_new"]),
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, 4, (key, value) => u32KeyEntry(key, value, config.key === "none" ? null : config.key)),
  );
}
