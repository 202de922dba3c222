// Loads tcpconnect.bpf.o with its config and attaches its two tracepoints; records
// arrive in a ring buffer, counts (-c) in a hash map. The only module of the tool that
// touches libbpf, imported when the command runs.
import { mapEntries } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import {
  COUNT_KEY,
  type ConnectCount,
  configBytes,
  decodeCount,
  LOST_RING,
  LOST_START,
  type TcpconnectConfig,
} from "./tcpconnect-records.js";

export interface TcpconnectSource extends SnoopSource {
  /** -c: every counter, cumulative since attach. */
  counts(): ConnectCount[];
}

export function loadTcpconnect(config: TcpconnectConfig): TcpconnectSource {
  const programs = ["tcpconnect_exit_connect", "tcpconnect_state"];
  return loadToolObject({ name: "tcpconnect", programs, config: configBytes(config) }, (col) => {
    const countsFd = col.mapFd("counts");
    return {
      // lost(): `ring` (a full ring), `start` (a full map of connects in progress).
      ...ringSource(col, { ring: LOST_RING, start: LOST_START }),
      counts: () => mapEntries(countsFd, COUNT_KEY.size, 8).map(([k, v]) => decodeCount(k, v)),
    };
  });
}
