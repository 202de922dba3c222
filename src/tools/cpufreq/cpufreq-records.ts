// The layouts cpufreq.bpf.c shares with user space (a process name's key, a linear
// histogram of MHz) and where the CPUs' frequencies start from: cpufreq's
// scaling_cur_freq per CPU, or, on a machine without frequency scaling (most VMs),
// /proc/cpuinfo's fixed "cpu MHz". Pure apart from the one reader at the end.
import { existsSync, readFileSync } from "node:fs";
import { NotSupported } from "../../errors.js";
import { layout } from "../../sources/bpf/records.js";

export const MAX_SLOTS = 26;
/** MHz per histogram slot. */
export const HIST_STEP = 200;

export const KEY = layout("cpufreq_key", [["comm", { array: "char", len: 16 }]]);
export const HIST = layout("cpufreq_hist", [["slots", { array: "u32", len: MAX_SLOTS }]]);

export const CPUFREQ_DIR = "/sys/devices/system/cpu/cpu0/cpufreq";

/** Where the frequencies come from, and each CPU's MHz at the start. */
export interface FreqStart {
  source: "cpufreq" | "cpuinfo";
  /** MHz by CPU number (missing CPUs: 0, never sampled into a slot). */
  mhz: number[];
}

/** /proc/cpuinfo's "cpu MHz" per "processor" (x86; arm64 prints none). Pure. */
export function cpuinfoMhz(text: string): number[] {
  const out: number[] = [];
  let cpu = -1;
  for (const line of text.split("\n")) {
    const m = /^(processor|cpu MHz)\s*:\s*([\d.]+)/.exec(line);
    if (!m) continue;
    if (m[1] === "processor") cpu = Number(m[2]);
    else if (cpu >= 0) out[cpu] = Math.round(Number(m[2]));
  }
  return Array.from(out, (v) => v ?? 0);
}

/**
 * The frequencies to start from: scaling_cur_freq (kHz) of each CPU when the machine has
 * cpufreq (`scaling` gives it, or null), else cpuinfo's; NotSupported when neither
 * says. Pure.
 */
export function startFreqs(
  cpus: readonly number[],
  scaling: (cpu: number) => string | null,
  cpuinfo: string,
): FreqStart {
  const khz = cpus.map((c) => scaling(c));
  if (khz.some((k) => k !== null)) {
    const mhz: number[] = [];
    cpus.forEach((c, i) => {
      mhz[c] = Math.round(Number.parseInt(khz[i] ?? "0", 10) / 1000) || 0;
    });
    return { source: "cpufreq", mhz: Array.from(mhz, (v) => v ?? 0) };
  }
  const mhz = cpuinfoMhz(cpuinfo);
  if (!mhz.some((v) => v > 0))
    throw new NotSupported(
      "cpufreq",
      `no CPU frequency scaling (no ${CPUFREQ_DIR}) and no "cpu MHz" in /proc/cpuinfo: the frequency of a sample cannot be known`,
    );
  return { source: "cpuinfo", mhz };
}

/** The one line said when the frequencies are cpuinfo's fixed ones. Pure. */
export function noScalingNote(f: FreqStart): string | null {
  if (f.source !== "cpuinfo") return null;
  const distinct = [...new Set(f.mhz.filter((v) => v > 0))].join(", ");
  return `tsnap cpufreq: no CPU frequency scaling on this machine (no ${CPUFREQ_DIR}): every sample is counted at /proc/cpuinfo's fixed ${distinct} MHz\n`;
}

/** startFreqs on this machine. */
export function readStartFreqs(cpus: readonly number[]): FreqStart {
  const scaling = (cpu: number) => {
    const p = `/sys/devices/system/cpu/cpu${cpu}/cpufreq/scaling_cur_freq`;
    return existsSync(p) ? readFileSync(p, "utf8") : null;
  };
  return startFreqs(cpus, scaling, readFileSync("/proc/cpuinfo", "utf8"));
}
