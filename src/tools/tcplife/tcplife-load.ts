// Loads tcplife.bpf.o with its config and attaches sock:inet_sock_set_state; the records
// arrive in a ring buffer. The only module of the tool that touches libbpf, imported
// when the command runs.
import { Collection } from "../../bpf/collection.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type TcplifeConfig } from "./tcplife-records.js";

export function loadTcplife(config: TcplifeConfig): SnoopSource {
  const col = Collection.open(bpfObjectPath("tcplife"));
  try {
    col.setAutoload(["tcplife_state"]);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    col.attach("tcplife_state");
    const ring = col.ringBuffer("events", { map: "lost", index: 0 });
    return { ring, lost: () => ({ ring: ring.lost() }), close: () => col.close() };
  } catch (err) {
    col.close();
    throw err;
  }
}
