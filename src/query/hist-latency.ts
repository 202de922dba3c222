// Latency from the lathist table: histograms of EVERY completion (syscalls per syscall,
// block I/O per device, run-queue waits per process), summed over a time window. These
// are what fio, biolatency and runqlat measure; the sample-joined latency of
// group-query.ts (what the sampled threads were waiting for) is a different question.
import type { BucketCounts, LatKind } from "../model/latency-buckets.js";
import type { Duck, Params } from "./duck.js";
import type { FilterSql } from "./filter.js";
import { windowParams } from "./group-query.js";

export type HistKind = LatKind;

/** What each kind is keyed by, and the group column a grouped query joins it on. */
export const HIST_KEY: Record<HistKind, { label: string; column: string; what: string }> = {
  sc: { label: "syscall", column: "syscall", what: "syscall latency (entry → exit)" },
  io: { label: "disk", column: "devname", what: "block I/O latency (issue → complete, as biolatency)" },
  ioq: { label: "disk", column: "devname", what: "block I/O latency (insert → complete, as biolatency -Q)" },
  rq: { label: "pid", column: "tgid", what: "run-queue latency (wakeup → on CPU, as runqlat -P)" },
};

/** Columns a -w filter on the histograms may use (the rest make it fall back to none). */
export const HIST_FILTER_COLUMNS = ["syscall", "syscall_active", "comm", "tgid", "devname", "timestamp"];

export function hasHistograms(cat: { groups: readonly { table: string }[] }): boolean {
  return cat.groups.some((g) => g.table === "lathist");
}

const KEY_SQL: Record<HistKind, string> = {
  sc: "s.syscall",
  io: "coalesce(part.devname, s.dev_maj || ':' || s.dev_min)",
  ioq: "coalesce(part.devname, s.dev_maj || ':' || s.dev_min)",
  rq: "s.tgid",
};

export interface KeyedHistogram {
  /** syscall name, device name or tgid (as text) */
  key: string;
  /** rq: the process name */
  comm: string | null;
  counts: BucketCounts;
  n: number;
}

/** Rows of the lathist table of one kind in a window, grouped by `select`'s keys. */
async function histRows(
  duck: Duck,
  win: { fromUs: number; toUs: number },
  kind: HistKind,
  filter: FilterSql | null,
  select: string,
  groupBy: string,
): Promise<{ rows: Awaited<ReturnType<Duck["all"]>>; filtered: boolean }> {
  const run = (f: FilterSql | null) => {
    const where = [
      "s.kind = $kind",
      "s.timestamp >= CAST($t_from AS TIMESTAMP) AND s.timestamp < CAST($t_to AS TIMESTAMP)",
    ];
    if (f) where.push(f.sql);
    const sql = `SELECT ${select}
FROM (SELECT *, syscall AS syscall_active FROM lathist) s
  LEFT JOIN partitions part ON part.dev_maj = s.dev_maj AND part.dev_min = s.dev_min
WHERE ${where.join(" AND ")}
GROUP BY ${groupBy}`;
    const params: Params = { kind, ...windowParams(win), ...(f?.params ?? {}) };
    return duck.all(sql, params);
  };
  try {
    return { rows: await run(filter), filtered: filter !== null };
  } catch (err) {
    if (filter === null) throw err;
    // the filter names a column histograms do not have
    return { rows: await run(null), filtered: false };
  }
}

/**
 * Histograms of one kind over [fromUs, toUs), one per key, most completions first. A -w
 * filter applies when it uses only columns the histograms have (syscall, tgid, comm,
 * devname, timestamp); `filtered` says whether it did.
 */
export async function windowHistograms(
  duck: Duck,
  win: { fromUs: number; toUs: number },
  kind: HistKind,
  filter: FilterSql | null,
): Promise<{ hists: KeyedHistogram[]; filtered: boolean }> {
  const { rows, filtered } = await histRows(
    duck,
    win,
    kind,
    filter,
    `${KEY_SQL[kind]} AS k, any_value(s.comm) AS comm, s.bucket AS b, sum(s.count) AS n`,
    "k, b",
  );
  const byKey = new Map<string, KeyedHistogram>();
  for (const r of rows) {
    const key = String(r.k);
    const h = byKey.get(key) ?? { key, comm: null, counts: new Map(), n: 0 };
    const n = Number(r.n);
    h.counts.set(Number(r.b), (h.counts.get(Number(r.b)) ?? 0) + n);
    h.n += n;
    if (r.comm !== null && r.comm !== undefined) h.comm = String(r.comm);
    byKey.set(key, h);
  }
  const hists = [...byKey.values()].sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
  return { hists, filtered };
}

/** Completions of one log2 slot in one time bucket (start µs) of a window. */
export interface HeatCell {
  t: number;
  slot: number;
  n: number;
}

/**
 * Completions of one kind over [fromUs, toUs) per time bucket of `bucketUs` (by the
 * lathist row's timestamp: the end of the interval its counts cover) and log2 slot, all
 * keys of the selection summed; a -w filter applies as in `windowHistograms`.
 */
export async function windowHeatmap(
  duck: Duck,
  win: { fromUs: number; toUs: number },
  kind: HistKind,
  filter: FilterSql | null,
  bucketUs: number,
): Promise<{ cells: HeatCell[]; filtered: boolean }> {
  const us = Math.max(1, Math.round(bucketUs));
  const { rows, filtered } = await histRows(
    duck,
    win,
    kind,
    filter,
    `epoch_us(s.timestamp) // ${us} AS tb, s.slot AS slot, sum(s.count) AS n`,
    "tb, slot",
  );
  const cells = rows
    .map((r) => ({ t: Number(r.tb) * us, slot: Number(r.slot), n: Number(r.n) }))
    .sort((a, b) => a.t - b.t || a.slot - b.slot);
  return { cells, filtered };
}
