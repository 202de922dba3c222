// Loads tcpstates.bpf.o with its config and attaches sock:inet_sock_set_state; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { Collection } from "../../bpf/collection.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type TcpstatesConfig } from "./tcpstates-records.js";

export function loadTcpstates(config: TcpstatesConfig): SnoopSource {
  const col = Collection.open(bpfObjectPath("tcpstates"));
  try {
    col.setAutoload(["tcpstates_state"]);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    col.attach("tcpstates_state");
    const ring = col.ringBuffer("events", { map: "lost", index: 0 });
    return { ring, lost: () => ({ ring: ring.lost() }), close: () => col.close() };
  } catch (err) {
    col.close();
    throw err;
  }
}
