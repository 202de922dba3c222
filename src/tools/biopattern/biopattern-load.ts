// Loads biopattern.bpf.o with its config, attaches block_rq_complete on the hook this kernel
// supports (tp_btf, else raw_tp), and reads the disks' counters. The only module of the
// tool that touches libbpf, imported when the command runs.
import { mapEntries } from "../../bpf/maps.js";
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import {
  type BiopatternConfig,
  COUNTER,
  configBytes,
  type DiskPattern,
  decodeCounter,
} from "./biopattern-records.js";

export interface PatternSource {
  read(): DiskPattern[];
  close(): void;
}

export function loadBiopattern(config: BiopatternConfig): PatternSource {
  const object = {
    name: "biopattern",
    programs: pairPrograms(hookPair("biopattern", "tp_btf_block"), ["biopattern_complete"]),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("counters");
    return {
      read: () => mapEntries(fd, 4, COUNTER.size).map(([k, v]) => decodeCounter(k, v)),
      close: () => col.close(),
    };
  });
}
