// Loads biosnoop.bpf.o with its config and attaches its block tracepoints on the pair this
// kernel supports (tp_btf, else raw_tp); the records arrive in a ring buffer. The only
// module of the tool that touches libbpf, imported when the command runs.
import { setCgroupFilter } from "../../bpf/cgroup-filter.js";
import { Collection } from "../../bpf/collection.js";
import { arrayU64 } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { hookPair } from "../../bpf/probes.js";
import type { SnoopSource } from "../snoop-tool.js";
import { type BiosnoopConfig, configBytes, LOST_RING, LOST_START } from "./biosnoop-records.js";

export function loadBiosnoop(config: BiosnoopConfig): SnoopSource {
  const kind = hookPair("biosnoop", "tp_btf_block");
  // complete first: a request timed after attach is always seen completing.
  const hooks = ["complete", "issue", ...(config.queued ? ["insert"] : []), "getrq"];
  const programs = hooks.map((h) => `${kind}_biosnoop_${h}`);
  const col = Collection.open(bpfObjectPath("biosnoop"));
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
