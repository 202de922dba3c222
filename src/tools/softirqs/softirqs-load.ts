// Loads softirqs.bpf.o with its config, attaches softirq_entry/exit on the pair this kernel
// supports (tp_btf, else raw_tp), and reads the vectors' histograms. The only module of the
// tool that touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import type { HistSource } from "../hist-tool.js";
import { configBytes, type SoftirqsConfig, vectorName } from "./softirqs-records.js";

export function loadSoftirqs(config: SoftirqsConfig): HistSource {
  const object = {
    name: "softirqs",
    programs: pairPrograms(hookPair("softirqs", "tp_btf"), ["softirqs_entry", "softirqs_exit"]),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, 4, (key, value) => {
      const vec = key.readUInt32LE(0);
      return { key, value, order: vec, head: "", fields: { softirq: vectorName(vec) } };
    }),
  );
}
