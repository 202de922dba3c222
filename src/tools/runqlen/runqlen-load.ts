// Loads runqlen.bpf.o with one histogram per possible CPU and attaches its program to a
// cpu-clock perf event at `hz` on every online CPU; reads each CPU's histogram. The only
// module of the tool that touches libbpf, imported when the command runs.
import type { Collection } from "../../bpf/collection.js";
import { mapLookup } from "../../bpf/maps.js";
import { openCpuClock } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { onlineCpus, possibleCpuCount } from "../../platform/cpus.js";
import { HIST } from "./runqlen-records.js";

export interface RunqlenSource {
  /** How many CPU numbers there are (histograms 0..cpus-1). */
  cpus: number;
  /** Each CPU's cumulative histogram (a struct runqlen_hist), by CPU number. */
  read(): Buffer[];
  close(): void;
}

export function loadRunqlen(hz: number): RunqlenSource {
  const cpus = possibleCpuCount();
  const object = {
    name: "runqlen",
    programs: ["runqlen_sample"],
    config: Buffer.alloc(0), // no .rodata
    maxEntries: { hists: cpus },
    attach: (col: Collection) => {
      for (const cpu of onlineCpus()) col.attachPerfEvent("runqlen_sample", openCpuClock(cpu, hz));
    },
  };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("hists");
    return {
      cpus,
      read: () =>
        Array.from({ length: cpus }, (_, cpu) => {
          const key = Buffer.alloc(4);
          key.writeUInt32LE(cpu);
          const value = Buffer.alloc(HIST.size);
          mapLookup(fd, key, value);
          return value;
        }),
      close: () => col.close(),
    };
  });
}
