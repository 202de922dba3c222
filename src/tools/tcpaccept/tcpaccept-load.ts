// Loads tcpaccept.bpf.o with its config and attaches its two syscall tracepoints; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import type { RingBuffer } from "../../bpf/ringbuf.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { configBytes, type TcpacceptConfig } from "./tcpaccept-records.js";

export interface TcpacceptSource {
  ring: RingBuffer;
  close(): void;
}

export function loadTcpaccept(config: TcpacceptConfig): TcpacceptSource {
  const programs = ["tcpaccept_exit_accept4", "tcpaccept_exit_accept"];
  return loadToolObject({ name: "tcpaccept", programs, config: configBytes(config) }, (col) => ({
    ring: col.ringBuffer("events", { map: "lost", index: 0 }),
    close: () => col.close(),
  }));
}
