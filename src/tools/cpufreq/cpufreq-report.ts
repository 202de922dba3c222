// What cpufreq prints, in libbpf-tools' layout (cpufreq.c): a linear histogram of MHz per
// process name (a blank line after each), then a blank line and the system-wide one; or
// NDJSON, one object per histogram. Pure.
import { renderLinearHist } from "../../report/linear-hist.js";
import { toJson } from "../../report/table.js";
import type { CpufreqHists } from "./cpufreq-load.js";
import { HIST_STEP } from "./cpufreq-records.js";

export function renderText(h: CpufreqHists): string {
  let out = "\n";
  for (const [comm, counts] of h.byComm) out += `${renderLinearHist(counts, comm, 0, HIST_STEP)}\n`;
  return `${out}\n${renderLinearHist(h.syswide, "syswide", 0, HIST_STEP)}`;
}

const jsonSlots = (counts: readonly number[]) =>
  counts.flatMap((count, i) => (count ? [{ mhz: i * HIST_STEP, count }] : []));

export function renderJson(h: CpufreqHists, at: Date): string {
  const time = at.toISOString();
  const rows = [...h.byComm].map(([comm, counts]) => ({ time, comm, slots: jsonSlots(counts) }));
  rows.push({ time, comm: "syswide", slots: jsonSlots(h.syswide) });
  return rows.map((r) => `${toJson({ ...r, samples: r.slots.reduce((n, s) => n + s.count, 0) })}\n`).join("");
}
