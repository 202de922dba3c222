// Loads tcpconnlat.bpf.o with its config and attaches sock:inet_sock_set_state; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type TcpconnlatConfig } from "./tcpconnlat-records.js";

export function loadTcpconnlat(config: TcpconnlatConfig): SnoopSource {
  const programs = ["tcpconnlat_state"];
  return loadToolObject({ name: "tcpconnlat", programs, config: configBytes(config) }, (col) =>
    ringSource(col, { ring: 0, start: 1 }),
  );
}
