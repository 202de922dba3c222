// Loads tcpaccept.bpf.o with its config and attaches its two syscall tracepoints; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type TcpacceptConfig } from "./tcpaccept-records.js";

export function loadTcpaccept(config: TcpacceptConfig): SnoopSource {
  const programs = ["tcpaccept_exit_accept4", "tcpaccept_exit_accept"];
  return loadToolObject({ name: "tcpaccept", programs, config: configBytes(config) }, (col) =>
    ringSource(col, { ring: 0 }),
  );
}
