// Loads tcptop.bpf.o with its config and attaches sock:sock_send_length and
// sock_recv_length; each take is what its `traffic` map counted since the previous one.
// The only module of the tool that touches libbpf, imported when the command runs.
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { counterTaker, type TopSource } from "../top-tool.js";
import {
  configBytes,
  decodeTraffic,
  KEY,
  type TcptopConfig,
  TRAFFIC,
  type Traffic,
} from "./tcptop-records.js";

/**
 * Each take: the bytes each (process, connection) moved since the previous one (or
 * attach); a connection idle for a whole interval (closed) leaves the map, so that it
 * cannot fill up.
 */
export function loadTcptop(config: TcptopConfig): TopSource<Traffic> {
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
      take: counterTaker(
        () => mapEntries(fd, KEY.size, TRAFFIC.size),
        (k) => mapDelete(fd, k),
        decodeTraffic,
        ["sent", "received"],
      ),
      lost: () => ({ map: arrayU64(lost, 0) }),
      close: () => col.close(),
    };
  });
}
