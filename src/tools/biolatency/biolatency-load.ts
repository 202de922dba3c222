// Loads biolatency.bpf.o with its config, attaches the hooks on the pair this kernel
// supports (tp_btf, else raw_tp), and reads the histograms. The only module of the tool
// that touches libbpf, imported when the command runs.
import { setCgroupFilter } from "../../bpf/cgroup-filter.js";
import { Collection } from "../../bpf/collection.js";
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { hookPair } from "../../bpf/probes.js";
import { type HistEntry, type HistSource, LOG_HIST } from "../hist-tool.js";
import { type BiolatencyConfig, configBytes, flagsText, KEY } from "./biolatency-records.js";

/** Which hook pair: "tp_btf" or "raw_tp", the first that probes ok. */
export const hookKind = (): "tp_btf" | "raw_tp" => hookPair("biolatency", "tp_btf_block");

/** `diskName(dev)`: the name of a disk by its dev_t, for headers. */
export function loadBiolatency(
  config: BiolatencyConfig,
  diskName: (dev: number) => string,
  kind = hookKind(),
): HistSource {
  const hooks = [...(config.queued ? ["insert"] : []), "issue", "complete"];
  const programs = hooks.map((h) => `${kind}_biolatency_${h}`);
  const col = Collection.open(bpfObjectPath("biolatency"));
  try {
    col.setAutoload(programs);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    if (config.cgroup) setCgroupFilter(col.mapFd("cgroup_map"), config.cgroup);
    // complete first: a request issued after attach is timed only if its completion is seen.
    for (const p of [...programs].reverse()) col.attach(p);
  } catch (err) {
    col.close();
    throw err;
  }
  const hists = col.mapFd("hists");
  const lost = col.mapFd("lost");
  return {
    read: () =>
      mapEntries(hists, KEY.size, LOG_HIST.size).map(([key, value]): HistEntry => {
        const dev = key.readUInt32LE(KEY.off.dev);
        const flags = key.readUInt32LE(KEY.off.flags);
        let head = config.perDisk ? `\ndisk = ${diskName(dev)}\t` : "";
        if (config.perFlag) head += `flags = ${flagsText(flags)}`;
        const fields: Record<string, string> = {};
        if (config.perDisk) fields.disk = diskName(dev);
        if (config.perFlag) fields.flags = flagsText(flags);
        return { key, value, order: dev * 2 ** 32 + flags, head: `${head}\n`, fields };
      }),
    forget(keys) {
      for (const k of keys) mapDelete(hists, k);
    },
    lost: () => ({ start: arrayU64(lost, 0), hist: arrayU64(lost, 1) }),
    close: () => col.close(),
  };
}
