// Loads cpufreq.bpf.o with a frequency slot per possible CPU, fills the slots with the
// frequencies to start from, attaches power:cpu_frequency and a cpu-clock perf event at
// `hz` on every online CPU; reads the histograms. The only module of the tool that touches
// libbpf, imported when the command runs.
import type { Collection } from "../../bpf/collection.js";
import { mapEntries, mapLookup, mapUpdate } from "../../bpf/maps.js";
import { openCpuClock } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { onlineCpus, possibleCpuCount } from "../../platform/cpus.js";
import { cString } from "../../sources/bpf/records.js";
import { type FreqStart, HIST, KEY, MAX_SLOTS } from "./cpufreq-records.js";

export interface CpufreqHists {
  /** Samples per MHz slot, by process name. */
  byComm: Map<string, number[]>;
  /** Every sample, idle included. */
  syswide: number[];
}

export interface CpufreqSource {
  read(): CpufreqHists;
  close(): void;
}

const slots = (b: Buffer): number[] =>
  Array.from({ length: MAX_SLOTS }, (_, i) => b.readUInt32LE(HIST.off.slots + 4 * i));

export function loadCpufreq(hz: number, start: FreqStart): CpufreqSource {
  const object = {
    name: "cpufreq",
    programs: ["cpufreq_change", "cpufreq_sample"],
    config: Buffer.alloc(0), // no .rodata
    maxEntries: { freqs: possibleCpuCount() },
    attach: (col: Collection) => {
      const fd = col.mapFd("freqs");
      start.mhz.forEach((mhz, cpu) => {
        const k = Buffer.alloc(4);
        const v = Buffer.alloc(4);
        k.writeUInt32LE(cpu);
        v.writeUInt32LE(mhz);
        mapUpdate(fd, k, v);
      });
      col.attach("cpufreq_change");
      for (const cpu of onlineCpus()) col.attachPerfEvent("cpufreq_sample", openCpuClock(cpu, hz));
    },
  };
  return loadToolObject(object, (col) => {
    const hists = col.mapFd("hists");
    const sys = col.mapFd("syswide");
    return {
      read: () => {
        const byComm = new Map<string, number[]>();
        for (const [k, v] of mapEntries(hists, KEY.size, HIST.size))
          byComm.set(cString(k, KEY.off.comm, 16), slots(v));
        const v = Buffer.alloc(HIST.size);
        mapLookup(sys, Buffer.alloc(4), v);
        return { byComm, syswide: slots(v) };
      },
      close: () => col.close(),
    };
  });
}
