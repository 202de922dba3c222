// Loads exitsnoop.bpf.o with its config and attaches sched:sched_process_exit; the records
// arrive in a ring buffer. The only module of the tool that touches libbpf, imported when
// the command runs.
import { setCgroupFilter } from "../../bpf/cgroup-filter.js";
import { Collection } from "../../bpf/collection.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type ExitsnoopConfig } from "./exitsnoop-records.js";

export function loadExitsnoop(config: ExitsnoopConfig): SnoopSource {
  const col = Collection.open(bpfObjectPath("exitsnoop"));
  try {
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    if (config.cgroup) setCgroupFilter(col.mapFd("cgroup_map"), config.cgroup);
    col.attach("exitsnoop_exit");
    const ring = col.ringBuffer("events", { map: "lost", index: 0 });
    return { ring, lost: () => ({ ring: ring.lost() }), close: () => col.close() };
  } catch (err) {
    col.close();
    throw err;
  }
}
