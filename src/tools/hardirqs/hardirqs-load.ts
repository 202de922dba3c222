// Loads hardirqs.bpf.o with its config, attaches irq_handler_entry/exit on the pair this
// kernel supports (tp_btf, else raw_tp), and reads the handlers' histograms. The only
// module of the tool that touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { cString } from "../../sources/bpf/records.js";
import { histMapSource } from "../hist-source.js";
import type { HistSource } from "../hist-tool.js";
import { configBytes, type HardirqsConfig, KEY } from "./hardirqs-records.js";

export function loadHardirqs(config: HardirqsConfig): HistSource {
  const object = {
    name: "hardirqs",
    programs: pairPrograms(hookPair("hardirqs", "tp_btf"), ["hardirqs_entry", "hardirqs_exit"]),
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, KEY.size, (key, value) => {
      const hardirq = cString(key, KEY.off.name, 32);
      return { key, value, order: 0, head: "", fields: { hardirq } };
    }),
  );
}
