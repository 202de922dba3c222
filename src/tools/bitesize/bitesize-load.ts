// Loads bitesize.bpf.o with its config, attaches block_rq_issue on the hook this kernel
// supports (tp_btf, else raw_tp), and reads the histograms. The only module of the tool
// that touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import { type HistSource, histComm } from "../hist-tool.js";
import { type BitesizeConfig, configBytes, KEY } from "./bitesize-records.js";

export function loadBitesize(config: BitesizeConfig): HistSource {
  const object = {
    name: "bitesize",
    programs: pairPrograms(hookPair("bitesize", "tp_btf_block"), ["bitesize_issue"]),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, KEY.size, (key, value) => {
      const comm = histComm(value);
      return { key, value, order: 0, head: `\nProcess Name = ${comm}\n`, fields: { comm } };
    }),
  );
}
