// Loads tcpretrans.bpf.o and attaches tcp:tcp_retransmit_skb; records arrive in a ring
// buffer, counts (-c) in a hash map. The only module of the tool that touches libbpf,
// imported when the command runs.
import { Collection } from "../../bpf/collection.js";
import { mapEntries } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { SnoopSource } from "../snoop-tool.js";
import { COUNT_KEY, configBytes, decodeCount, type RetransCount } from "./tcpretrans-records.js";

export interface TcpretransSource extends SnoopSource {
  counts(): RetransCount[];
}

export function loadTcpretrans(count: boolean): TcpretransSource {
  const col = Collection.open(bpfObjectPath("tcpretrans"));
  try {
    col.setAutoload(["tcpretrans_retransmit"]);
    col.setReadOnlyConfig(configBytes(count));
    col.load();
    col.attach("tcpretrans_retransmit");
    const ring = col.ringBuffer("events", { map: "lost", index: 0 });
    const countsFd = col.mapFd("counts");
    return {
      ring,
      counts: () => mapEntries(countsFd, COUNT_KEY.size, 8).map(([k, v]) => decodeCount(k, v)),
      lost: () => ({ ring: ring.lost() }),
      close: () => col.close(),
    };
  } catch (err) {
    col.close();
    throw err;
  }
}
