// What runqlen prints, in libbpf-tools' layout (runqlen.c): per report an empty line, the
// time with -T, then a linear histogram of run-queue lengths (with -C one per CPU, each
// after "cpu = N"), or with -O the occupancy ("runqocc: 12.50%", per CPU
// "runqocc, CPU 0    12.50%"); or NDJSON objects. Pure.
import { renderLinearHist } from "../../report/linear-hist.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { occupancy } from "./runqlen-records.js";

export interface ReportOptions {
  perCpu: boolean;
  runqocc: boolean;
  timestamp: boolean;
}

/** All CPUs' counts added, slot by slot. */
function total(perCpu: readonly (readonly number[])[]): number[] {
  return perCpu.reduce<number[]>(
    (acc, c) => acc.map((n, i) => n + (c[i] ?? 0)),
    new Array(perCpu[0]?.length ?? 0).fill(0),
  );
}

/** One report: `perCpu[cpu]` is that CPU's samples per run-queue length since the last. */
export function renderText(perCpu: readonly (readonly number[])[], o: ReportOptions, at: Date): string {
  let out = "\n";
  if (o.timestamp) out += `${hhmmss(at).padEnd(8)}\n`;
  const pct = (counts: readonly number[]) => (100 * occupancy(counts)).toFixed(2);
  if (o.runqocc) {
    if (!o.perCpu) return `${out}runqocc: ${pct(total(perCpu))}%\n`;
    return (
      out + perCpu.map((c, cpu) => `runqocc, CPU ${String(cpu).padEnd(3)} ${pct(c).padStart(6)}%\n`).join("")
    );
  }
  if (!o.perCpu) return out + renderLinearHist(total(perCpu), "runqlen");
  return out + perCpu.map((c, cpu) => `cpu = ${cpu}\n${renderLinearHist(c, "runqlen")}`).join("");
}

/** One report as NDJSON: one object (with -C one per CPU): samples, occupancy, the non-zero lengths. */
export function renderJson(perCpu: readonly (readonly number[])[], o: ReportOptions, at: Date): string {
  const one = (counts: readonly number[], cpu?: number) =>
    `${toJson({
      time: at.toISOString(),
      ...(cpu === undefined ? {} : { cpu }),
      samples: counts.reduce((a, b) => a + b, 0),
      runqocc: Math.round(occupancy(counts) * 1e4) / 1e4,
      lengths: counts.flatMap((count, len) => (count ? [{ len, count }] : [])),
    })}\n`;
  return o.perCpu ? perCpu.map((c, cpu) => one(c, cpu)).join("") : one(total(perCpu));
}
