// Loads biolatency.bpf.o with its config, attaches the hooks on the pair this kernel
// supports (tp_btf, else raw_tp), and reads the histograms. The only module of the tool
// that touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { histMapSource } from "../hist-source.js";
import type { HistEntry, HistSource } from "../hist-tool.js";
import { type BiolatencyConfig, configBytes, flagsText, KEY } from "./biolatency-records.js";

/** Which hook pair: "tp_btf" or "raw_tp", the first that probes ok. */
export const hookKind = (): "tp_btf" | "raw_tp" => hookPair("biolatency", "tp_btf_block");

/** `diskName(dev)`: the name of a disk by its dev_t, for headers. */
export function loadBiolatency(
  config: BiolatencyConfig,
  diskName: (dev: number) => string,
  kind = hookKind(),
): HistSource {
  // complete first: a request issued after attach is timed only if its completion is seen.
  const hooks = ["complete", "issue", ...(config.queued ? ["insert"] : [])];
  const object = {
    name: "biolatency",
    programs: pairPrograms(
      kind,
      hooks.map((h) => `biolatency_${h}`),
    ),
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, KEY.size, (key, value): HistEntry => {
      const dev = key.readUInt32LE(KEY.off.dev);
      const flags = key.readUInt32LE(KEY.off.flags);
      let head = config.perDisk ? `\ndisk = ${diskName(dev)}\t` : "";
      if (config.perFlag) head += `flags = ${flagsText(flags)}`;
      const fields: Record<string, string> = {};
      if (config.perDisk) fields.disk = diskName(dev);
      if (config.perFlag) fields.flags = flagsText(flags);
      return { key, value, order: dev * 2 ** 32 + flags, head: `${head}\n`, fields };
    }),
  );
}
