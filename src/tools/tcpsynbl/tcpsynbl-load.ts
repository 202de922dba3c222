// Loads tcpsynbl.bpf.o with its config and attaches sock:inet_sock_set_state; the
// histograms are read from its `hists` map. The only module of the tool that touches
// libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import type { HistEntry, HistSource } from "../hist-tool.js";

export function loadTcpsynbl(config: Buffer, entry: (key: Buffer, value: Buffer) => HistEntry): HistSource {
  return loadToolObject({ name: "tcpsynbl", programs: ["tcpsynbl_state"], config }, (col) =>
    histMapSource(col, 4, entry),
  );
}
