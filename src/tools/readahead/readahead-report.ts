// What readahead prints, in libbpf-tools' layout (readahead.c): "Readahead unused/total
// pages: U/T" and the log2 histogram of the wait, in msecs, from a page's readahead to its
// first read; with -v the breakdown behind the two numbers; or one NDJSON object. Pure.
import { renderLog2Hist } from "../../report/log2-hist.js";
import { toJson } from "../../report/table.js";
import type { ReadaheadCounts } from "./readahead-records.js";

export function unused(c: ReadaheadCounts): number {
  return Math.max(0, c.total - c.used);
}

export function renderText(c: ReadaheadCounts, verbose: boolean): string {
  let out = `\nReadahead unused/total pages: ${unused(c)}/${c.total}\n`;
  if (verbose)
    out +=
      `  used ${c.used} (${c.atOnce} of them by the page fault they were read ahead for), ` +
      `evicted unused ${c.evicted}, add time not kept ${c.lost}\n`;
  return out + renderLog2Hist(c.msecs, "msecs");
}

export function renderJson(c: ReadaheadCounts, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    unused: unused(c),
    total: c.total,
    used: c.used,
    used_at_once: c.atOnce,
    evicted_unused: c.evicted,
    not_kept: c.lost,
    unit: "msecs",
    slots: c.msecs.flatMap((count, i) =>
      count ? [{ low: i === 0 ? 0 : 2 ** i, high: 2 ** (i + 1) - 1, count }] : [],
    ),
  })}\n`;
}
