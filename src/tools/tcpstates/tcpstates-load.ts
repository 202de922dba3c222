// Loads tcpstates.bpf.o with its config and attaches sock:inet_sock_set_state; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type TcpstatesConfig } from "./tcpstates-records.js";

export function loadTcpstates(config: TcpstatesConfig): SnoopSource {
  const object = { name: "tcpstates", programs: ["tcpstates_state"], config: configBytes(config) };
  return loadToolObject(object, (col) => ringSource(col, { ring: 0 }));
}
