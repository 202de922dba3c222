// Loads tcpconnect.bpf.o with its config and attaches its two tracepoints; records
// arrive in a ring buffer, counts (-c) in a hash map. The only module of the tool that
// touches libbpf, imported when the command runs.
import { Collection } from "../../bpf/collection.js";
import { arrayU64, mapEntries } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import {
  COUNT_KEY,
  type ConnectCount,
  configBytes,
  decodeCount,
  LOST_RING,
  LOST_START,
  type TcpconnectConfig,
} from "./tcpconnect-records.js";

export interface TcpconnectSource {
  ring: RingBuffer;
  /** -c: every counter, cumulative since attach. */
  counts(): ConnectCount[];
  /** Connects the kernel could not report: a full ring, or a full map of connects in progress. */
  lost(): number;
  close(): void;
}

export function loadTcpconnect(config: TcpconnectConfig): TcpconnectSource {
  const programs = ["tcpconnect_exit_connect", "tcpconnect_state"];
  const col = Collection.open(bpfObjectPath("tcpconnect"));
  try {
    col.setAutoload(programs);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    for (const p of programs) col.attach(p);
    const ring = col.ringBuffer("events", { map: "lost", index: LOST_RING });
    const lostFd = col.mapFd("lost");
    const countsFd = col.mapFd("counts");
    return {
      ring,
      counts: () => mapEntries(countsFd, COUNT_KEY.size, 8).map(([k, v]) => decodeCount(k, v)),
      lost: () => ring.lost() + arrayU64(lostFd, LOST_START),
      close: () => col.close(),
    };
  } catch (err) {
    col.close();
    throw err;
  }
}
