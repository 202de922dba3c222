// Loads opensnoop.bpf.o with its config and attaches the entry and exit tracepoints of
// open, openat and openat2 (those this kernel has); the records arrive in a ring buffer.
// The only module of the tool that touches libbpf, imported when the command runs.
import { setCgroupFilter } from "../../bpf/cgroup-filter.js";
import { Collection } from "../../bpf/collection.js";
import { arrayU64 } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { openTracefs } from "../../platform/tracefs.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, LOST_RING, LOST_START, type OpensnoopConfig, SYSCALLS } from "./opensnoop-records.js";

/** The syscalls of the family this kernel has a tracepoint for (arm64 has no open). */
function tracedSyscalls(): string[] {
  const events = new Set(openTracefs().events("syscalls"));
  return SYSCALLS.filter((s) => events.has(`sys_enter_${s}`));
}

export function loadOpensnoop(config: OpensnoopConfig): SnoopSource {
  const syscalls = tracedSyscalls();
  // exits before entries: an open whose entry is seen is then always seen returning.
  const programs = [
    ...syscalls.map((s) => `opensnoop_exit_${s}`),
    ...syscalls.map((s) => `opensnoop_enter_${s}`),
  ];
  const col = Collection.open(bpfObjectPath("opensnoop"));
  try {
    col.setAutoload(programs);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    if (config.cgroup) setCgroupFilter(col.mapFd("cgroup_map"), config.cgroup);
    for (const p of programs) col.attach(p);
    const ring = col.ringBuffer("events", { map: "lost", index: LOST_RING });
    const fd = col.mapFd("lost");
    return {
      ring,
      lost: () => ({ ring: ring.lost(), start: arrayU64(fd, LOST_START) }),
      close: () => col.close(),
    };
  } catch (err) {
    col.close();
    throw err;
  }
}
