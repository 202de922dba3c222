// Latency of every call over one `tsnap top` window, from the in-kernel histogram deltas:
// columns for rows grouped by syscall (sc_*) or pid (rq_*: run-queue waits, runqlat -P),
// and bcc-style histograms for --hist. Pure: deltas in, cells and text out.
import {
  addCounts,
  type BucketCounts,
  type LatencyDelta,
  type LatKind,
  statColumns,
} from "../model/latency-buckets.js";
import { type PrintableHist, renderLatencyHists } from "./latency-hists-text.js";
import type { Cell } from "./table.js";

export type WindowLatency = Map<LatKind, Map<string, { comm: string | null; counts: BucketCounts }>>;

/** Sums deltas per kind and key (syscall name, device name, pid). */
export function windowLatency(
  deltas: readonly LatencyDelta[],
  devName: (major: number, minor: number) => string,
): WindowLatency {
  const out: WindowLatency = new Map();
  for (const d of deltas) {
    const key =
      d.kind === "sc"
        ? String(d.syscall)
        : d.kind === "rq"
          ? String(d.tgid)
          : devName(d.devMajor ?? 0, d.devMinor ?? 0);
    const m = out.get(d.kind) ?? new Map();
    const e = m.get(key) ?? { comm: d.comm, counts: new Map() };
    addCounts(e.counts, d.buckets);
    m.set(key, e);
    out.set(d.kind, m);
  }
  return out;
}

/** Which latency columns a grouping gets: sc_* by syscall, rq_* by pid. */
const KEYED: { column: string; kind: LatKind }[] = [
  { column: "syscall", kind: "sc" },
  { column: "pid", kind: "rq" },
];

export interface ExtraColumns {
  headers: string[];
  cells(values: readonly unknown[]): Cell[];
}

export function latencyColumns(groupNames: readonly string[], lat: WindowLatency): ExtraColumns | null {
  const used = KEYED.filter((k) => groupNames.includes(k.column));
  if (used.length === 0) return null;
  const headers = used.flatMap((k) => Object.keys(statColumns(k.kind, undefined)));
  return {
    headers,
    cells: (values) =>
      used.flatMap((k) => {
        const v = values[groupNames.indexOf(k.column)];
        const st = statColumns(k.kind, lat.get(k.kind)?.get(String(v))?.counts);
        return Object.values(st).map((x) => (x === null ? null : Math.round(x * 10) / 10));
      }),
  };
}

const LABEL: Record<LatKind, string> = { sc: "syscall", io: "disk", ioq: "disk", rq: "pid" };

/** bcc-style histograms of one kind, most completions first. */
export function renderWindowHists(lat: WindowLatency, kind: LatKind, limit: number): string {
  const hs: (PrintableHist & { n: number })[] = [...(lat.get(kind) ?? new Map())].map(([key, e]) => ({
    label: LABEL[kind],
    key,
    comm: e.comm,
    counts: e.counts,
    n: [...e.counts.values()].reduce((a, b) => a + b, 0),
  }));
  hs.sort((a, b) => b.n - a.n);
  return hs.length ? renderLatencyHists(hs.slice(0, limit)) : "\n(no completions in this window)\n";
}
