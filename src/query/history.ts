// A capture directory opened for queries: files found and checked, views created, and
// the time window resolved (default: the last hour with data). Also the histogram and
// top-stacks queries, which share the window and filter of the grouped query.
import { InputError, UsageError } from "../errors.js";
import { hourKey, hourStartUs } from "../store/files.js";
import { sqlIdent } from "../store/sql-text.js";
import { type Catalog, discover } from "./discover.js";
import { Duck, type Row } from "./duck.js";
import { baseCte, eventsOnce, type GroupQuery, type LatencyKind } from "./group-query.js";
import { parseTimeUs } from "./time-range.js";
import { createViews } from "./views.js";

export interface History {
  duck: Duck;
  catalog: Catalog;
  /** Last sample time + 1 µs: the end of the data. */
  endUs: number;
  close(): void;
}

/**
 * Open a directory; `from`/`to` (if given) narrow which hourly files are read. `threads`:
 * DuckDB's worker threads (Duck.open).
 */
export async function openHistory(
  dir: string,
  range: { from?: string; to?: string },
  nowUs: number,
  threads?: number,
): Promise<History> {
  const duck = await Duck.open({ threads });
  try {
    // Hour pruning is only safe when both ends are absolute; otherwise read all files.
    const keep = hourFilter(range, nowUs);
    const catalog = await discover(duck, dir, keep);
    if (!catalog.groups.some((g) => g.table === "samples" || g.table === "rounds")) {
      const why = catalog.problems.length ? " readable" : "";
      throw new InputError(`${dir}: no${why} tsnap or xcapture sample files`);
    }
    await createViews(duck, catalog);
    // The end of the data: the last round (an idle round has no samples, only a rounds row).
    const rows = await duck.all("SELECT epoch_us(max(timestamp)) AS t FROM rounds");
    const last = rows[0]?.t;
    if (last === null || last === undefined) throw new InputError(`${dir}: the sample files hold no rows`);
    return { duck, catalog, endUs: Number(last) + 1, close: () => duck.close() };
  } catch (err) {
    duck.close();
    throw err;
  }
}

function hourFilter(range: { from?: string; to?: string }, nowUs: number): (hour: string) => boolean {
  const absolute = (t?: string) => t !== undefined && /^\d{4}-\d{2}-\d{2}/.test(t.trim());
  if (!absolute(range.from) || !absolute(range.to)) return () => true;
  const from = parseTimeUs(range.from!, nowUs, nowUs, "--from");
  const to = parseTimeUs(range.to!, nowUs, nowUs, "--to");
  // One hour of slack each side: xcapture names files by local time.
  const lo = hourKey(from - 3600e6);
  const hi = hourKey(to + 3600e6);
  return (h) => h >= lo && h <= hi && hourStartUs(h) <= to + 3600e6;
}

/** Resolve --from/--to against the data: default the last hour with data. */
export function resolveWindow(
  h: Pick<History, "endUs">,
  from: string | undefined,
  to: string | undefined,
  nowUs: number,
): { fromUs: number; toUs: number } {
  const toUs = to !== undefined ? parseTimeUs(to, nowUs, h.endUs, "--to") : h.endUs;
  const fromUs = from !== undefined ? parseTimeUs(from, nowUs, h.endUs, "--from") : toUs - 3600e6;
  if (fromUs >= toUs) throw new UsageError("--from must be before --to");
  return { fromUs, toUs };
}

export interface HistGroup {
  key: Row;
  counts: number[];
  events: number;
}

/** Event-weighted log2 histograms (µs) of completion latency, one per group. */
export async function runHistogram(
  duck: Duck,
  q: GroupQuery,
  kind: LatencyKind,
  maxGroups: number,
): Promise<HistGroup[]> {
  const base = baseCte({ ...q, latency: [kind] });
  const g = q.groups.map((c) => sqlIdent(c.name));
  const sql = `WITH base AS (${base.sql}),
ev AS (${eventsOnce(g, kind)}),
sl AS (SELECT ${[...g, "CASE WHEN d < 2000 THEN 0 ELSE floor(log2(d // 1000))::INT END AS slot"].join(", ")} FROM ev),
top AS (SELECT ${[...g, "count(*) AS n"].join(", ")} FROM ev ${g.length ? `GROUP BY ${g.join(", ")}` : ""} ORDER BY n DESC LIMIT ${maxGroups})
SELECT ${[...g.map((c) => `top.${c}`), "top.n", "sl.slot", "count(*) AS c"].join(", ")}
FROM top JOIN sl ON ${g.length ? g.map((c) => `top.${c} IS NOT DISTINCT FROM sl.${c}`).join(" AND ") : "true"}
GROUP BY ALL ORDER BY top.n DESC, ${[...g.map((c) => `top.${c}`), "sl.slot"].join(", ")}`;
  const rows = await duck.all(sql, base.params);
  const out = new Map<string, HistGroup>();
  for (const r of rows) {
    const key: Row = {};
    for (const c of q.groups) key[c.name] = r[c.name];
    const id = JSON.stringify(key);
    const hg = out.get(id) ?? { key, counts: [], events: Number(r.n) };
    const slot = Number(r.slot);
    while (hg.counts.length <= slot) hg.counts.push(0);
    hg.counts[slot] = Number(r.c);
    out.set(id, hg);
  }
  return [...out.values()];
}

export interface StackRow {
  hash: string | null;
  samples: number;
  avg_threads: number;
  /** Frames leaf first; null when the hash has no dictionary entry (unresolved). */
  frames: string[] | null;
}

/** The stacks most samples were in (kernel or user), with frames resolved per hour. */
export async function runTopStacks(
  duck: Duck,
  q: GroupQuery,
  kind: "kernel" | "user",
  covered: number,
  limit: number,
): Promise<StackRow[]> {
  const k = kind === "kernel" ? "k" : "u";
  const base = baseCte({ ...q, groups: [], latency: [] }, [`s.${k}stack_hash AS __h`]);
  const sql = `WITH base AS (${base.sql})
SELECT __h AS hash, count(*) AS samples, sum(__w) / 1e6 / $covered AS avg_threads, any_value(d.${k}stack_syms) AS syms
FROM base LEFT JOIN ${k}stacks d ON d.${k}stack_hash = __h
GROUP BY __h ORDER BY avg_threads DESC, hash LIMIT ${Math.floor(limit)}`;
  const rows = await duck.all(sql, { ...base.params, covered: covered > 0 ? covered : 1 });
  return rows.map((r) => ({
    hash: r.hash === null ? null : String(r.hash),
    samples: Number(r.samples),
    avg_threads: Number(r.avg_threads),
    frames: r.syms === null || r.syms === undefined ? null : String(r.syms).split(";"),
  }));
}
