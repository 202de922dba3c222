// Text, JSON and CSV of a history query's result (run-query.ts): one renderer per result
// kind, each complete for every format. Pure: a result in, the text out.
import { statColumns } from "../model/latency-buckets.js";
import { renderLatencyHists } from "../report/latency-hists-text.js";
import { renderLog2Hist } from "../report/log2-hist.js";
import { formatRows, type OutputFormat, rowsetOf } from "../report/output.js";
import { type Cell, renderCsv, toJson } from "../report/table.js";
import type { LatencyKind } from "./group-query.js";
import { HIST_KEY } from "./hist-latency.js";
import type { StackRow } from "./history.js";
import type { QueryResult } from "./run-query.js";

export type QueryFormat = OutputFormat;

/** One JSON object per line (ndjson): rows, stacks or histograms without the envelope. */
const ndjson = (items: readonly unknown[]) => items.map((x) => `${toJson(x)}\n`).join("");

type Of<K extends QueryResult["kind"]> = Extract<QueryResult, { kind: K }>;

const RENDERERS: { [K in QueryResult["kind"]]: (r: Of<K>, format: QueryFormat, width: number) => string } = {
  sql: (r, format, width) =>
    format === "json"
      ? `${toJson({ rows: r.rows }, 2)}\n`
      : formatRows(format, rowsetOf(r.columns, r.rows), { maxCellWidth: 120, width }),
  stacks: (r, format) =>
    format === "json"
      ? `${toJson({ window: r.window, stacks: r.rows }, 2)}\n`
      : format === "ndjson"
        ? ndjson(r.rows)
        : renderStacks(r.rows, format),
  histograms: renderAllHistograms,
  "sampled-histograms": renderSampledHistograms,
  groups: renderGroups,
};

/** `width`: the terminal's (Io.columns) for tables, 0 for no limit. */
export function renderQueryResult(r: QueryResult, format: QueryFormat, width = 0): string {
  return (RENDERERS[r.kind] as (r: QueryResult, f: QueryFormat, w: number) => string)(r, format, width);
}

function renderAllHistograms(r: Of<"histograms">, format: QueryFormat): string {
  const { window, histKind: kind } = r;
  const histograms = r.hists.map((x) => ({
    key: x.key,
    comm: x.comm,
    n: x.n,
    ...statColumns(kind, x.counts),
    buckets: Object.fromEntries(x.counts),
  }));
  if (format === "json")
    return `${toJson({ window, kind, unit: "usecs", latency: "all completions", filtered: r.filtered, histograms }, 2)}\n`;
  if (format === "ndjson") return ndjson(histograms);
  let out = `${HIST_KEY[kind].what}, every completion ${window.from} → ${window.to}${r.unfiltered ? " (-w does not narrow histograms: it uses columns they lack)" : ""}\n`;
  out += renderLatencyHists(r.hists.map((x) => ({ label: HIST_KEY[kind].label, ...x })));
  if (r.hists.length === 0) out += "no completions in this window\n";
  return out;
}

function renderSampledHistograms(r: Of<"sampled-histograms">, format: QueryFormat): string {
  const kind: LatencyKind = r.histKind;
  if (format === "json")
    return `${toJson({ window: r.window, kind, unit: "usecs", weighting: "event", histograms: r.hists }, 2)}\n`;
  if (format === "ndjson") return ndjson(r.hists);
  let out = "";
  for (const hg of r.hists) {
    const key = r.groups.map((g) => `${g}=${hg.key[g] ?? "-"}`).join(" ");
    out += `\n${kind === "sc" ? "syscall" : "I/O"} latency${key ? ` for ${key}` : ""} (${hg.events} completions, each once)\n`;
    out += renderLog2Hist(hg.counts, "usecs");
  }
  if (r.hists.length === 0) out += "no completions in this window (the proc source records none)\n";
  return out;
}

function renderGroups(r: Of<"groups">, format: QueryFormat, width: number): string {
  const { window, columns, latency, histMode } = r;
  const fleet = r.fleet
    ? { hosts: r.fleet.hosts, hosts_known: r.fleet.of, rows_read: r.fleet.readRows, tables: r.fleet.tables }
    : {};
  if (format === "json")
    return `${toJson({ window, group_by: r.groups, latency: latency.length ? (histMode ? "all completions" : "sampled") : null, latency_weighting: latency.length && !histMode ? r.weighting : null, ...fleet, rows: r.rows }, 2)}\n`;
  if (format === "ndjson") return ndjson(r.rows);
  const rows = rowsetOf(columns, r.rows, ["avg_threads"]);
  if (format === "csv") return formatRows("csv", rows);
  const title = r.activeOnly ? "=== Active Threads ===" : "=== All Sampled Threads (sleeping ones too) ===";
  let out = `${title} ${window.from} → ${window.to} UTC/naive, ${round(window.covered_seconds)} s covered by data\n`;
  if (r.fleet)
    out += `=== Fleet: ${r.fleet.hosts.length} of ${r.fleet.of} hosts reporting === ${r.fleet.hosts.map((h) => `${h.host} ${Math.round(h.covered_seconds)} s`).join(", ")}${r.fleet.tables === "raw" ? "" : ` (${r.fleet.tables})`}\n`;
  const weightingWords =
    r.weighting === "event"
      ? "per event (each completion once per group)"
      : "per sample (a completion once per sample that saw it)";
  if (latency.length && histMode)
    out += `latency in µs over EVERY completion in the window (in-kernel histograms${r.histNote}): ${latency.map((k) => `${k}_* per ${HIST_KEY[k].column}`).join(", ")}, not split by other group columns\n`;
  else if (latency.length)
    out += `latency in µs, SAMPLED: only completions of calls the samples saw (leans to long calls), ${weightingWords}${r.hasHistograms ? "" : "; these files have no histograms of every call"}\n`;
  out += "\n";
  out += formatRows("table", rows, { maxCellWidth: 80, width });
  return out;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function renderStacks(rows: StackRow[], format: QueryFormat): string {
  const cols = ["samples", "avg_threads", "hash", "frames"];
  const cells = rows.map(
    (r) =>
      [r.samples, r.avg_threads, r.hash ?? "-", r.frames ? r.frames.join(";") : "(unresolved)"] as Cell[],
  );
  if (format === "csv") return renderCsv(cols, cells);
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${r.avg_threads.toFixed(2)} avg_threads  ${r.samples} samples  ${r.hash ?? "(no stack)"}`);
    if (r.frames) for (const f of r.frames) out.push(`    ${f}`);
    else if (r.hash) out.push("    (unresolved: no dictionary entry for this hash)");
    out.push("");
  }
  return `${out.join("\n")}\n`;
}
