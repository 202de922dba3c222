// Runs a planned history query (plan.ts) over a capture directory and returns what it
// found as data, one kind per question asked: a grouped table, top stacks, histograms of
// every completion, histograms of sampled completions, or a raw SELECT. Rendering is
// render.ts; nothing here prints.
import { InputError, TsnapError } from "../errors.js";
import { type BucketCounts, statColumns } from "../model/latency-buckets.js";
import { ACTIVE_STATES, type ThreadState } from "../model/sample.js";
import { formatTimestampUs } from "../store/files.js";
import type { QueryColumn } from "./columns.js";
import { type Duck, duckMessage, type Row } from "./duck.js";
import { type FilterSql, parseFilter } from "./filter.js";
import {
  type GroupQuery,
  type LatencyKind,
  onlyActiveStates,
  runGroupQuery,
  type Weighting,
} from "./group-query.js";
import {
  HIST_KEY,
  type HistKind,
  hasHistograms,
  type KeyedHistogram,
  windowHistograms,
} from "./hist-latency.js";
import {
  type HistGroup,
  type History,
  openHistory,
  resolveWindow,
  runHistogram,
  runTopStacks,
  type StackRow,
} from "./history.js";
import { decideLatency, type QueryPlan, sampledLatency } from "./plan.js";
import { runReadOnlySql } from "./raw-sql.js";

export interface QueryWindow {
  from: string;
  to: string;
  covered_seconds: number;
}

export type QueryResult =
  | { kind: "sql"; columns: string[]; rows: Row[] }
  | { kind: "stacks"; window: QueryWindow; rows: StackRow[] }
  /** Histograms of every completion (in-kernel, lathist). */
  | {
      kind: "histograms";
      window: QueryWindow;
      histKind: HistKind;
      /** -w given but not applicable to histograms (they lack its columns). */
      unfiltered: boolean;
      filtered: boolean;
      hists: KeyedHistogram[];
    }
  /** Histograms of the completions the samples saw (--latency sampled). */
  | {
      kind: "sampled-histograms";
      window: QueryWindow;
      histKind: LatencyKind;
      groups: string[];
      hists: HistGroup[];
    }
  | {
      kind: "groups";
      window: QueryWindow;
      groups: string[];
      columns: string[];
      rows: Row[];
      latency: HistKind[];
      histMode: boolean;
      /** Why histogram columns ignore -w, when they do ("" otherwise). */
      histNote: string;
      weighting: Weighting;
      hasHistograms: boolean;
      /** Every sample RUN, RUNQ or DISK (null when not asked for: `activeTitle: false`). */
      activeOnly: boolean | null;
      /** A fleet's tables (--engine): the hosts reporting in the window, of how many, rows read. */
      fleet?: FleetHosts;
    };

export interface FleetHosts {
  hosts: { host: string; covered_seconds: number }[];
  /** Hosts with rounds anywhere in the tables. */
  of: number;
  /** Rows the server read for the grouped query (-1: not said). */
  readRows: number;
  /** Which tables answered: the raw rows or their per-minute rollups. */
  tables: "raw" | "per-minute rollups";
}

export interface RunOptions {
  /** A file left out (damaged, unknown): one line each, as soon as the files are read. */
  problem(line: string): void;
  /** Work out whether the grouped rows are active threads only (the table's title). */
  activeTitle: boolean;
}

/** The result, and whether files were left out (the CLI exits 1 then). */
export async function runQuery(
  plan: QueryPlan,
  o: RunOptions,
): Promise<{ result: QueryResult; problems: number }> {
  const { req } = plan;
  const h = await openHistory(req.dir, { from: req.from, to: req.to }, req.nowUs);
  try {
    return await runQueryOn(h, plan, o);
  } finally {
    h.close();
  }
}

/** The same over a directory already open (an interactive view keeps it open between keys). */
export async function runQueryOn(
  h: History,
  plan: QueryPlan,
  o: RunOptions,
): Promise<{ result: QueryResult; problems: number }> {
  const { req, groups } = plan;
  for (const p of h.catalog.problems) o.problem(p);
  const problems = h.catalog.problems.length;
  const decision = decideLatency(plan, h.catalog);
  const { histMode, latency } = decision;
  if (req.sql !== undefined) {
    const res = await runReadOnlySql(h.duck, req.sql);
    return { result: { kind: "sql", columns: res.columns, rows: res.rows }, problems };
  }
  const win = resolveWindow(h, req.from, req.to, req.nowUs);
  const filter = req.where.length ? parseFilter(plan.whereText, req.nowUs, h.endUs) : null;
  const q: GroupQuery = {
    groups,
    filter,
    ...win,
    latency: sampledLatency(decision),
    weighting: plan.weighting,
    limit: req.limit,
  };
  const res = await runGroupQuery(h.duck, q).catch(queryFailed);
  const window: QueryWindow = {
    from: formatTimestampUs(win.fromUs),
    to: formatTimestampUs(win.toUs),
    covered_seconds: res.coveredSeconds,
  };
  const done = (result: QueryResult) => ({ result, problems });
  if (req.stacks) {
    const rows = await runTopStacks(h.duck, q, req.stacks, res.coveredSeconds, req.limit || 20).catch(
      queryFailed,
    );
    return done({ kind: "stacks", window, rows });
  }
  if (req.hist && histMode) {
    const { hists, filtered } = await windowHistograms(h.duck, win, req.hist, filter).catch(queryFailed);
    return done({
      kind: "histograms",
      window,
      histKind: req.hist,
      unfiltered: filter !== null && !filtered,
      filtered,
      hists: hists.slice(0, req.limit || 10),
    });
  }
  if (req.hist) {
    const histKind = req.hist as LatencyKind;
    const hists = await runHistogram(h.duck, q, histKind, req.limit || 10).catch(queryFailed);
    return done({ kind: "sampled-histograms", window, histKind, groups: groups.map((g) => g.name), hists });
  }
  let histNote = "";
  if (histMode && latency.length > 0)
    histNote = await addHistColumns(h.duck, res.rows, latency, groups, win, filter);
  if (histMode)
    for (const k of latency)
      if (!res.columns.includes(`${k}_n`)) res.columns.push(...Object.keys(statColumns(k, undefined)));
  const order = ["samples", "avg_threads", ...groups.map((g) => g.name)];
  const columns = [...order, ...res.columns.filter((c) => !order.includes(c))];
  const activeOnly = o.activeTitle ? await rowsActiveOnly(h.duck, q, res.rows) : null;
  return done({
    kind: "groups",
    window,
    groups: groups.map((g) => g.name),
    columns,
    rows: res.rows,
    latency,
    histMode,
    histNote,
    weighting: plan.weighting,
    hasHistograms: hasHistograms(h.catalog),
    activeOnly,
  });
}

/**
 * True only when every sample in the result is RUN, RUNQ or DISK (a capture without -a,
 * or a -w on state).
 */
async function rowsActiveOnly(duck: Duck, q: GroupQuery, rows: Row[]): Promise<boolean> {
  return q.groups.some((g) => g.name === "state")
    ? rows.every((r) => ACTIVE_STATES.has(String(r.state) as ThreadState))
    : await onlyActiveStates(duck, q).catch(queryFailed);
}

/** Latency columns from the histograms, joined to the rows on their syscall/devname/tgid. */
async function addHistColumns(
  duck: Duck,
  rows: Row[],
  kinds: HistKind[],
  groups: QueryColumn[],
  win: { fromUs: number; toUs: number },
  filter: FilterSql | null,
): Promise<string> {
  let note = "";
  for (const k of kinds) {
    const { hists, filtered } = await windowHistograms(duck, win, k, filter).catch(queryFailed);
    if (filter && !filtered) note = "; -w does not narrow them: it uses columns they lack";
    const byKey = new Map<string, BucketCounts>(hists.map((x) => [x.key, x.counts]));
    const col = groups.some((g) => g.name === HIST_KEY[k].column) ? HIST_KEY[k].column : "syscall_active";
    for (const r of rows) Object.assign(r, statColumns(k, byKey.get(String(r[col]))));
  }
  return note;
}

/** A DuckDB failure at query time (e.g. a regex RE2 rejects): one line, not a stack. */
function queryFailed(err: unknown): never {
  if (err instanceof TsnapError) throw err;
  throw new InputError(`query failed: ${duckMessage(err)}`);
}
