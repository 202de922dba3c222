// Loads execsnoop.bpf.o with its config and attaches its two syscall tracepoints; the
// records arrive in a ring buffer. The only module of the tool that touches libbpf,
// imported when the command runs.
import { arrayU64 } from "../../bpf/maps.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { configBytes, type ExecsnoopConfig, LOST_RING, LOST_START } from "./execsnoop-records.js";

export interface ExecsnoopSource {
  ring: RingBuffer;
  /** Execs the kernel could not report: the ring was full, or the map of execs in progress. */
  lost(): { ring: number; start: number };
  close(): void;
}

export function loadExecsnoop(config: ExecsnoopConfig): ExecsnoopSource {
  const options = {
    name: "execsnoop",
    programs: ["execsnoop_exit_execve", "execsnoop_enter_execve"],
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(options, (col): ExecsnoopSource => {
    const ring = col.ringBuffer("events", { map: "lost", index: LOST_RING });
    const fd = col.mapFd("lost");
    return {
      ring,
      lost: () => ({ ring: ring.lost(), start: arrayU64(fd, LOST_START) }),
      close: () => col.close(),
    };
  });
}
