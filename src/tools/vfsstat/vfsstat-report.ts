// What vfsstat prints, in libbpf-tools' layout (vfsstat.c): a header of TIME and one
// "<KIND>/s" column per kind, then a line per interval of the calls per second (whole
// numbers: the count divided by the interval, as the C tool does); or an NDJSON object
// with the counts and the rates. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { STATS, type StatCounts } from "./vfsstat-records.js";

/** The calls between two reads. Pure. */
export function statDeltas(now: StatCounts, prev: StatCounts): StatCounts {
  return Object.fromEntries(STATS.map((s) => [s, now[s] - prev[s]])) as StatCounts;
}

export function header(): string {
  return `${"TIME".padEnd(8)}  ${STATS.map((s) => ` ${s.padStart(6)}/s`).join("")}\n`;
}

/** One line: calls per second over `seconds`, floored as libbpf-tools' integer division. */
export function renderText(d: StatCounts, seconds: number, at: Date): string {
  const rate = (n: number) => String(Math.floor(n / seconds)).padStart(8);
  return `${hhmmss(at).padEnd(8)}: ${STATS.map((s) => ` ${rate(d[s])}`).join("")}\n`;
}

export function renderJson(d: StatCounts, seconds: number, at: Date): string {
  const row: Record<string, number | string> = {
    time: at.toISOString(),
    seconds: Number(seconds.toFixed(3)),
  };
  for (const s of STATS) row[s.toLowerCase()] = d[s];
  for (const s of STATS) row[`${s.toLowerCase()}_per_s`] = Number((d[s] / seconds).toFixed(2));
  return `${toJson(row)}\n`;
}
