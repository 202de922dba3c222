// Loads tcprtt.bpf.o with its config and attaches tcp:tcp_probe; the histograms are read
// from its `hists` map. The only module of the tool that touches libbpf, imported when
// the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import type { HistEntry, HistSource } from "../hist-tool.js";
import { configBytes, KEY, type TcprttConfig } from "./tcprtt-records.js";

export function loadTcprtt(
  config: TcprttConfig,
  entry: (key: Buffer, value: Buffer) => HistEntry,
): HistSource {
  return loadToolObject({ name: "tcprtt", programs: ["tcprtt_probe"], config: configBytes(config) }, (col) =>
    histMapSource(col, KEY.size, entry),
  );
}
