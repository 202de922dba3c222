// Loads tcpaccept.bpf.o with its config and attaches its two syscall tracepoints; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { Collection } from "../../bpf/collection.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import { configBytes, type TcpacceptConfig } from "./tcpaccept-records.js";

export interface TcpacceptSource {
  ring: RingBuffer;
  close(): void;
}

export function loadTcpaccept(config: TcpacceptConfig): TcpacceptSource {
  const programs = ["tcpaccept_exit_accept4", "tcpaccept_exit_accept"];
  const col = Collection.open(bpfObjectPath("tcpaccept"));
  try {
    col.setAutoload(programs);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    for (const p of programs) col.attach(p);
    return { ring: col.ringBuffer("events", { map: "lost", index: 0 }), close: () => col.close() };
  } catch (err) {
    col.close();
    throw err;
  }
}
