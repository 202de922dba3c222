// What biopattern prints, in libbpf-tools' layout (biopattern.c): the header once, then per
// report one line per disk that completed I/O since the previous report (a TIME column
// with -T, the disk's name, % random, % sequential, the count and Kbytes), or one NDJSON
// object per disk. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { DiskPattern } from "./biopattern-records.js";

export function header(timestamp: boolean): string {
  const t = timestamp ? `${"TIME".padEnd(9)} ` : "";
  return `${t}${"DISK".padEnd(7)} ${"%RND".padStart(5)} ${"%SEQ".padStart(5)} ${"COUNT".padStart(8)} ${"KBYTES".padStart(10)}\n`;
}

/** Each disk's counts since `prev` (by dev_t), disks without I/O left out, in dev_t order. */
export function patternDeltas(
  prev: ReadonlyMap<number, DiskPattern>,
  now: readonly DiskPattern[],
): DiskPattern[] {
  return now
    .map((d) => {
      const p = prev.get(d.dev);
      return {
        dev: d.dev,
        sequential: d.sequential - (p?.sequential ?? 0),
        random: d.random - (p?.random ?? 0),
        bytes: d.bytes - (p?.bytes ?? 0),
      };
    })
    .filter((d) => d.sequential + d.random > 0)
    .sort((a, b) => a.dev - b.dev);
}

const pct = (n: number, total: number) => Math.floor((n * 100) / total);

/** One report's lines; `names`: dev_t → disk name ("Unknown" when absent, as libbpf-tools). */
export function lines(
  deltas: readonly DiskPattern[],
  names: ReadonlyMap<number, string>,
  at: Date | null,
): string {
  return deltas
    .map((d) => {
      const total = d.sequential + d.random;
      const t = at ? `${hhmmss(at).padEnd(9)} ` : "";
      const name = (names.get(d.dev) ?? "Unknown").padEnd(7);
      return `${t}${name} ${String(pct(d.random, total)).padStart(5)} ${String(pct(d.sequential, total)).padStart(5)} ${String(total).padStart(8)} ${String(Math.floor(d.bytes / 1024)).padStart(10)}\n`;
    })
    .join("");
}

/** One report as NDJSON: one object per disk. */
export function jsonLines(
  deltas: readonly DiskPattern[],
  names: ReadonlyMap<number, string>,
  at: Date,
): string {
  return deltas
    .map((d) => {
      const total = d.sequential + d.random;
      return `${toJson({
        time: at.toISOString(),
        disk: names.get(d.dev) ?? null,
        random_pct: pct(d.random, total),
        sequential_pct: pct(d.sequential, total),
        count: total,
        random: d.random,
        sequential: d.sequential,
        kbytes: Math.floor(d.bytes / 1024),
      })}\n`;
    })
    .join("");
}
