// Loads tcptop.bpf.o with its config and attaches sock:sock_send_length and
// sock_recv_length; the counters are read from its `traffic` map. The only module of the
// tool that touches libbpf, imported when the command runs.
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { configBytes, KEY, type TcptopConfig, TRAFFIC } from "./tcptop-records.js";

export interface TcptopSource {
  /** Every counter (key bytes, value bytes), cumulative since attach. */
  read(): [Buffer, Buffer][];
  forget(keys: readonly Buffer[]): void;
  lost(): Record<string, number>;
  close(): void;
}

export function loadTcptop(config: TcptopConfig): TcptopSource {
  const object = {
    name: "tcptop",
    programs: ["tcptop_send", "tcptop_recv"],
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("traffic");
    const lost = col.mapFd("lost");
    return {
      read: () => mapEntries(fd, KEY.size, TRAFFIC.size),
      forget(keys) {
        for (const k of keys) mapDelete(fd, k);
      },
      lost: () => ({ map: arrayU64(lost, 0) }),
      close: () => col.close(),
    };
  });
}
