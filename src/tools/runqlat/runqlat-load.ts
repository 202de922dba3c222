// Loads runqlat.bpf.o with its config, attaches the hooks on the pair this kernel supports
// (tp_btf, else raw_tp), and reads the histograms. The only module of the tool that
// touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import { type HistEntry, type HistSource, histComm } from "../hist-tool.js";
import { configBytes, type RunqlatConfig } from "./runqlat-records.js";

/** Which hook pair: "tp_btf" or "raw_tp", the first that probes ok. */
export const hookKind = (): "tp_btf" | "raw_tp" => hookPair("runqlat", "tp_btf_sched");

const HEAD = { none: "", pid: "pid", tid: "tid", pidns: "pidns" } as const;

export function loadRunqlat(config: RunqlatConfig, kind = hookKind()): HistSource {
  const object = {
    name: "runqlat",
    programs: pairPrograms(kind, ["runqlat_switch", "runqlat_wakeup", "runqlat_wakeup_new"]),
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, 4, (key, value): HistEntry => {
      if (config.key === "none") return { key, value, order: 0, head: "", fields: {} };
      const id = key.readUInt32LE(0);
      const comm = histComm(value);
      const name = HEAD[config.key];
      return { key, value, order: id, head: `\n${name} = ${id} ${comm}\n`, fields: { [name]: id, comm } };
    }),
  );
}
