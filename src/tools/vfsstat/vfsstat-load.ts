// Loads vfsstat.bpf.o with its config and attaches the syscall tracepoints this kernel has
// (vfsstat-records.ts); the calls are read from its `counts` array. The only module of the
// tool that touches libbpf, imported when the command runs.
import { arrayU64 } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import {
  configBytes,
  STATS,
  type StatCounts,
  type VfsstatConfig,
  vfsstatPrograms,
} from "./vfsstat-records.js";

export interface VfsstatSource {
  /** The calls of each kind since attach. */
  read(): StatCounts;
  close(): void;
}

export function loadVfsstat(config: VfsstatConfig): VfsstatSource {
  const object = {
    name: "vfsstat",
    programs: vfsstatPrograms(openTracefs().events("syscalls")),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("counts");
    return {
      read: () => Object.fromEntries(STATS.map((s, i) => [s, arrayU64(fd, i)])) as StatCounts,
      close: () => col.close(),
    };
  });
}
