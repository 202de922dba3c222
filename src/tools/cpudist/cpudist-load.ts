// Loads cpudist.bpf.o with its config, attaches sched_switch on the hook this kernel
// supports (tp_btf, else raw_tp), and reads the histograms. The only module of the tool
// that touches libbpf, imported when the command runs.
import { setCgroupFilter } from "../../bpf/cgroup-filter.js";
import { Collection } from "../../bpf/collection.js";
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { hookPair } from "../../bpf/probes.js";
import { type HistSource, LOG_HIST, u32KeyEntry } from "../hist-tool.js";
import { type CpudistConfig, configBytes } from "./cpudist-records.js";

export function loadCpudist(config: CpudistConfig): HistSource {
  const program = `${hookPair("cpudist", "tp_btf_sched")}_cpudist_switch`;
  const col = Collection.open(bpfObjectPath("cpudist"));
  try {
    col.setAutoload([program]);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    if (config.cgroup) setCgroupFilter(col.mapFd("cgroup_map"), config.cgroup);
    col.attach(program);
  } catch (err) {
    col.close();
    throw err;
  }
  const hists = col.mapFd("hists");
  const lost = col.mapFd("lost");
  return {
    read: () =>
      mapEntries(hists, 4, LOG_HIST.size).map(([key, value]) =>
        u32KeyEntry(key, value, config.key === "none" ? null : config.key),
      ),
    forget(keys) {
      for (const k of keys) mapDelete(hists, k);
    },
    lost: () => ({ start: arrayU64(lost, 0), hist: arrayU64(lost, 1) }),
    close: () => col.close(),
  };
}
