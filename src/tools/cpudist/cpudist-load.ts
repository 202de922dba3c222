// Loads cpudist.bpf.o with its config, attaches sched_switch on the hook this kernel
// supports (tp_btf, else raw_tp), and reads the histograms. The only module of the tool
// that touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import { type HistSource, u32KeyEntry } from "../hist-tool.js";
import { type CpudistConfig, configBytes } from "./cpudist-records.js";

export function loadCpudist(config: CpudistConfig): HistSource {
  const object = {
    name: "cpudist",
    programs: pairPrograms(hookPair("cpudist", "tp_btf_sched"), ["cpudist_switch"]),
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, 4, (key, value) => u32KeyEntry(key, value, config.key === "none" ? null : config.key)),
  );
}
