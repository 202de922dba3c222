// Loads runqlat.bpf.o with its config, attaches the hooks on the pair this kernel supports
// (tp_btf, else raw_tp), and reads the histograms. The only module of the tool that
// touches libbpf, imported when the command runs.
import { setCgroupFilter } from "../../bpf/cgroup-filter.js";
import { Collection } from "../../bpf/collection.js";
import { mapDelete, mapEntries, mapLookup } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { probe } from "../../bpf/probes.js";
import { NotSupported } from "../../errors.js";
import { type HistEntry, type HistSource, histComm, LOG_HIST } from "../hist-tool.js";
import { configBytes, type RunqlatConfig } from "./runqlat-records.js";

/** Which hook pair: "tp_btf" or "raw_tp", the first that probes ok. */
export function hookKind(): "tp_btf" | "raw_tp" {
  if (probe("tp_btf_sched").ok) return "tp_btf";
  const raw = probe("raw_tp");
  if (raw.ok) return "raw_tp";
  throw new NotSupported("runqlat", `neither tp_btf nor raw_tp programs load here: ${raw.reason}`);
}

const HEAD = { none: "", pid: "pid", tid: "tid", pidns: "pidns" } as const;

export function loadRunqlat(config: RunqlatConfig, kind = hookKind()): HistSource {
  const programs = ["switch", "wakeup", "wakeup_new"].map((h) => `${kind}_runqlat_${h}`);
  const col = Collection.open(bpfObjectPath("runqlat"));
  try {
    col.setAutoload(programs);
    col.setReadOnlyConfig(configBytes(config));
    col.load();
    if (config.cgroup) setCgroupFilter(col.mapFd("cgroup_map"), config.cgroup);
    for (const p of programs) col.attach(p);
  } catch (err) {
    col.close();
    throw err;
  }
  const hists = col.mapFd("hists");
  const lost = col.mapFd("lost");
  const slot = (i: number) => {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(i);
    const v = Buffer.alloc(8);
    return mapLookup(lost, k, v) ? Number(v.readBigUInt64LE()) : 0;
  };
  return {
    read: () =>
      mapEntries(hists, 4, LOG_HIST.size).map(([key, value]): HistEntry => {
        const id = key.readUInt32LE(0);
        const comm = histComm(value);
        if (config.key === "none") return { key, value, order: 0, head: "", fields: {} };
        const name = HEAD[config.key];
        return {
          key,
          value,
          order: id,
          head: `\n${name} = ${id} ${comm}\n`,
          fields: { [name]: id, comm },
        };
      }),
    forget(keys) {
      for (const k of keys) mapDelete(hists, k);
    },
    lost: () => ({ start: slot(0), hist: slot(1) }),
    close: () => col.close(),
  };
}
