// What the stack and thread peeks of a selection (the cursor's row in `tsnap ui`, the
// view in `tsnap serve`) show, read through the query layer so the numbers are those of
// `tsnap query`: the top kernel and user stacks (runTopStacks, `tsnap query --stacks`),
// the thread-state stacks of a flame/icicle graph (flame/history-stacks.ts, `tsnap
// flame DIR`), and per-thread swimlanes: for the busiest threads, the state they were
// sampled in most in each time bucket (`tsnap query -g tid,time_Ns,state`).
import { column } from "../../query/columns.js";
import type { Duck } from "../../query/duck.js";
import { type FilterSql, parseFilter } from "../../query/filter.js";
import { coveredSeconds, runGroupQuery } from "../../query/group-query.js";
import { runTopStacks, type StackRow } from "../../query/history.js";
import { filterText } from "../../ui-model/view-query.js";
import type { Filter } from "../../ui-model/view-state.js";
import type { Window } from "../../ui-model/view-window.js";
import type { FoldedStack } from "../flame/folded.js";
import { DEFAULT_LEVELS, historyStacks, parseLevels } from "../flame/history-stacks.js";

/** Stacks of each kind listed at most. */
export const TOP_STACKS = 10;

export interface SelectionStacks {
  window: Window;
  coveredSeconds: number;
  kernel: StackRow[];
  user: StackRow[];
  /** Thread-state stacks (state → comm → user stack → syscall → kernel stack), root first, in avg threads. */
  flame: FoldedStack[];
}

export interface Lane {
  tid: number;
  comm: string;
  /** avg_threads of this thread over the window. */
  avg: number;
  /** Per time bucket: the state with most samples, null when the thread was not sampled. */
  states: (string | null)[];
}

export interface SelectionLanes {
  window: Window;
  bucketUs: number;
  /** First bucket's start (µs): bucket i covers [start + i·bucketUs, start + (i+1)·bucketUs). */
  startUs: number;
  lanes: Lane[];
  /** Threads in the selection (lanes shows the busiest `maxThreads`). */
  threads: number;
}

function filterOf(filters: readonly Filter[], endUs: number): FilterSql | null {
  const where = filterText(filters);
  return where ? parseFilter(where, Date.now() * 1000, endUs) : null;
}

/** Top stacks and flame stacks of the samples that match `filters` in `w`. */
export async function selectionStacks(
  duck: Duck,
  endUs: number,
  filters: readonly Filter[],
  w: Window,
  limit = TOP_STACKS,
): Promise<SelectionStacks> {
  const filter = filterOf(filters, endUs);
  const q = { groups: [], filter, ...w, latency: [], weighting: "event" as const, limit: 0 };
  const covered = await coveredSeconds(duck, w);
  const kernel = await runTopStacks(duck, q, "kernel", covered, limit);
  const user = await runTopStacks(duck, q, "user", covered, limit);
  const { stacks } = await historyStacks(duck, {
    levels: parseLevels(DEFAULT_LEVELS),
    filter,
    ...w,
    keepOffsets: false,
  });
  return { window: w, coveredSeconds: covered, kernel, user, flame: stacks };
}

const timeOf = (v: unknown) => Date.parse(`${String(v).replace(" ", "T")}Z`) * 1000;

/** Swimlanes of the `maxThreads` busiest threads matching `filters` in `w`, buckets of `bucketS` s. */
export async function selectionLanes(
  duck: Duck,
  endUs: number,
  filters: readonly Filter[],
  w: Window,
  bucketS: number,
  maxThreads: number,
): Promise<SelectionLanes> {
  const bucketUs = bucketS * 1e6;
  const startUs = Math.floor(w.fromUs / bucketUs) * bucketUs;
  const n = Math.max(1, Math.ceil((w.toUs - startUs) / bucketUs));
  const base = { fromUs: w.fromUs, toUs: w.toUs, latency: [], weighting: "event" as const };
  const busiest = await runGroupQuery(duck, {
    ...base,
    groups: [column("tid", "lanes")],
    filter: filterOf(filters, endUs),
    limit: 0,
  });
  const top = busiest.rows.slice(0, Math.max(0, maxThreads));
  const out: SelectionLanes = { window: w, bucketUs, startUs, lanes: [], threads: busiest.rows.length };
  if (top.length === 0) return out;
  const tids = top.map((r) => String(r.tid));
  const narrowed = [
    ...filters.filter((f) => f.column !== "tid" || f.op !== "="),
    ...tids.map((t) => ({ column: "tid", op: "=" as const, value: t })),
  ];
  const name = `time_${bucketS}s`;
  const cells = await runGroupQuery(duck, {
    ...base,
    groups: [
      column("tid", "lanes"),
      column("comm", "lanes"),
      column(name, "lanes"),
      column("state", "lanes"),
    ],
    filter: filterOf(narrowed, endUs),
    limit: 0,
  });
  const lanes = new Map<string, Lane & { best: number[]; commSamples: Map<string, number> }>();
  for (const r of top)
    lanes.set(String(r.tid), {
      tid: Number(r.tid),
      comm: "",
      avg: Number(r.avg_threads),
      states: new Array<string | null>(n).fill(null),
      best: new Array<number>(n).fill(0),
      commSamples: new Map(),
    });
  for (const r of cells.rows) {
    const lane = lanes.get(String(r.tid));
    if (!lane) continue;
    const samples = Number(r.samples);
    const comm = String(r.comm ?? "-");
    lane.commSamples.set(comm, (lane.commSamples.get(comm) ?? 0) + samples);
    const i = Math.floor((timeOf(r[name]) - startUs) / bucketUs);
    if (i < 0 || i >= n) continue;
    // The state sampled most; a tie goes to the state first in the rows (busier overall).
    if (samples > lane.best[i]) {
      lane.best[i] = samples;
      lane.states[i] = String(r.state ?? "-");
    }
  }
  for (const l of lanes.values()) {
    const comm = [...l.commSamples].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "-";
    out.lanes.push({ tid: l.tid, comm, avg: l.avg, states: l.states });
  }
  return out;
}
