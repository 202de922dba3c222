// Loads tcptracer.bpf.o with its config and attaches sock:inet_sock_set_state and the two
// accept syscall exits; the records arrive in a ring buffer. The only module of the tool
// that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type TcptracerConfig } from "./tcptracer-records.js";

export function loadTcptracer(config: TcptracerConfig): SnoopSource {
  const programs = ["tcptracer_state", "tcptracer_exit_accept4", "tcptracer_exit_accept"];
  return loadToolObject({ name: "tcptracer", programs, config: configBytes(config) }, (col) =>
    ringSource(col, { ring: 0 }),
  );
}
