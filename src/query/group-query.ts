// The grouped history query: samples in a time window, optionally filtered, grouped by
// any columns, with avg_threads = Σ weight_us / 1e6 / seconds covered by data in the
// window, and latency columns from the joined completions (syscalls: sc_*, block I/O:
// io_*), either per sample (a completion counts once for every sample that saw it, as
// xtop does) or per event (each completion once per group: the event-weighted estimate).

import { ACTIVE_STATES } from "../model/sample.js";
import { formatTimestampUs } from "../store/files.js";
import { sqlIdent } from "../store/sql-text.js";
import { fromClause, type Join, type QueryColumn } from "./columns.js";
import type { Duck, Params, Row } from "./duck.js";
import type { FilterSql } from "./filter.js";

export type LatencyKind = "sc" | "io";
export type Weighting = "sample" | "event";

export interface GroupQuery {
  groups: QueryColumn[];
  filter: FilterSql | null;
  fromUs: number;
  toUs: number;
  latency: LatencyKind[];
  weighting: Weighting;
  /** 0 = no limit */
  limit: number;
}

export interface GroupResult {
  columns: string[];
  rows: Row[];
  coveredSeconds: number;
}

const LAT = {
  sc: { join: "syscend" as Join, seq: "sc.sysc_seq_num", ns: "sc.duration_ns" },
  io: { join: "iorqend" as Join, seq: "io.iorq_seq_num", ns: "io.duration_ns" },
};

/**
 * Each completion once per group (event weighting): the rows of `base` that saw one,
 * deduplicated on (tid, sequence number) within the group columns `g`; its latency as `d` (ns).
 */
export function eventsOnce(g: readonly string[], k: LatencyKind): string {
  const keys = [...g, "__tid", `__${k}_seq`].join(", ");
  return `SELECT ${[...g, `any_value(__${k}_ns) AS d`].join(", ")} FROM base WHERE __${k}_ns IS NOT NULL GROUP BY ${keys}`;
}

/** Latency aggregate columns over a ns expression, reported in µs. */
function latencyAggs(kind: LatencyKind, ns: string): string[] {
  return [
    `count(${ns}) AS ${kind}_n`,
    `min(${ns}) / 1e3 AS ${kind}_min_us`,
    `avg(${ns}) / 1e3 AS ${kind}_avg_us`,
    `quantile_cont(${ns}, 0.5) / 1e3 AS ${kind}_p50_us`,
    `quantile_cont(${ns}, 0.95) / 1e3 AS ${kind}_p95_us`,
    `quantile_cont(${ns}, 0.99) / 1e3 AS ${kind}_p99_us`,
    `max(${ns}) / 1e3 AS ${kind}_max_us`,
  ];
}

export function windowParams(q: Pick<GroupQuery, "fromUs" | "toUs">): Params {
  return { t_from: formatTimestampUs(q.fromUs), t_to: formatTimestampUs(q.toUs) };
}

export const WINDOW_SQL =
  "s.timestamp >= CAST($t_from AS TIMESTAMP) AND s.timestamp < CAST($t_to AS TIMESTAMP)";

/** The base CTE: filtered sample rows of the window with group values and join keys. */
export function baseCte(q: GroupQuery, extra: string[] = []): { sql: string; params: Params } {
  const joins = new Set<Join>(q.filter?.joins ?? []);
  for (const g of q.groups) for (const j of g.joins) joins.add(j);
  for (const k of q.latency) joins.add(LAT[k].join);
  const cols = q.groups.map((g) => `${g.sql} AS ${sqlIdent(g.name)}`);
  cols.push("s.weight_us AS __w", "s.tid AS __tid");
  for (const k of q.latency) cols.push(`${LAT[k].seq} AS __${k}_seq`, `${LAT[k].ns} AS __${k}_ns`);
  cols.push(...extra);
  const where = [WINDOW_SQL];
  if (q.filter) where.push(q.filter.sql);
  return {
    sql: `SELECT ${cols.join(", ")}\n  FROM ${fromClause(joins)}\n  WHERE ${where.join(" AND ")}`,
    params: { ...windowParams(q), ...(q.filter?.params ?? {}) },
  };
}

export async function coveredSeconds(duck: Duck, q: Pick<GroupQuery, "fromUs" | "toUs">): Promise<number> {
  const rows = await duck.all(
    `SELECT coalesce(sum(weight_us), 0) / 1e6 AS s FROM rounds s WHERE ${WINDOW_SQL}`,
    windowParams(q),
  );
  return Number(rows[0]?.s ?? 0);
}

export async function runGroupQuery(duck: Duck, q: GroupQuery): Promise<GroupResult> {
  const covered = await coveredSeconds(duck, q);
  const base = baseCte(q);
  const g = q.groups.map((c) => sqlIdent(c.name));
  // With a time bucket, avg_threads of a row is over the seconds covered in its bucket.
  const bucket = q.groups.find((c) => c.bucketUs !== undefined);
  const aggs = ["count(*) AS samples", "sum(__w) AS __wsum"];
  const ctes = [`base AS (${base.sql})`];
  const joins: string[] = [];
  const latCols: string[] = [];
  for (const k of q.latency) {
    if (q.weighting === "sample") {
      aggs.push(...latencyAggs(k, `__${k}_ns`));
      latCols.push(
        ...["n", "min_us", "avg_us", "p50_us", "p95_us", "p99_us", "max_us"].map((s) => `agg.${k}_${s}`),
      );
    } else {
      ctes.push(
        `ev_${k} AS (${eventsOnce(g, k)})`,
        `lat_${k} AS (SELECT ${[...g, ...latencyAggs(k, "d")].join(", ")} FROM ev_${k} ${g.length ? `GROUP BY ${g.join(", ")}` : ""})`,
      );
      const on = g.length
        ? g.map((c) => `agg.${c} IS NOT DISTINCT FROM lat_${k}.${c}`).join(" AND ")
        : "true";
      joins.push(`LEFT JOIN lat_${k} ON ${on}`);
      latCols.push(
        `coalesce(lat_${k}.${k}_n, 0) AS ${k}_n`,
        ...["min", "avg", "p50", "p95", "p99", "max"].map((s) => `lat_${k}.${k}_${s}_us`),
      );
    }
  }
  ctes.push(
    `agg AS (SELECT ${[...g, ...aggs].join(", ")} FROM base ${g.length ? `GROUP BY ${g.join(", ")}` : ""})`,
  );
  let denominator = "$covered";
  if (bucket) {
    const b = sqlIdent(bucket.name);
    ctes.push(
      `cov AS (SELECT epoch_us(s.timestamp) // ${bucket.bucketUs} AS ${b}, sum(s.weight_us) / 1e6 AS secs FROM rounds s WHERE ${WINDOW_SQL} GROUP BY 1)`,
    );
    joins.push(`LEFT JOIN cov ON cov.${b} = agg.${b}`);
    denominator = "coalesce(cov.secs, $covered)";
  }
  const groupOut = q.groups.map((c) =>
    c.bucketUs !== undefined
      ? `make_timestamp(agg.${sqlIdent(c.name)} * ${c.bucketUs}) AS ${sqlIdent(c.name)}`
      : `agg.${sqlIdent(c.name)}`,
  );
  const select = [...groupOut, "agg.samples", `agg.__wsum / 1e6 / ${denominator} AS avg_threads`, ...latCols];
  // Time columns order the rows by time (a timeline); other rows by avg_threads.
  const times = q.groups.filter((c) => c.kind === "time" || c.bucketUs !== undefined);
  const order = [
    ...times.map((c) => `agg.${sqlIdent(c.name)}`),
    "avg_threads DESC",
    ...g.map((c) => `agg.${c}`),
  ].join(", ");
  const sql = `WITH ${ctes.join(",\n")}
SELECT ${select.join(", ")} FROM agg ${joins.join(" ")}
ORDER BY ${order}${q.limit > 0 ? ` LIMIT ${Math.floor(q.limit)}` : ""}`;
  const rows = await duck.all(sql, { ...base.params, covered: covered > 0 ? covered : 1 });
  const columns =
    rows.length > 0 ? Object.keys(rows[0]) : [...q.groups.map((c) => c.name), "samples", "avg_threads"];
  return { columns, rows, coveredSeconds: covered };
}

/** True when every sample in the window (and filter) is RUN, RUNQ or DISK. */
export async function onlyActiveStates(duck: Duck, q: GroupQuery): Promise<boolean> {
  const base = baseCte({ ...q, groups: [], latency: [] }, ["s.state AS __state"]);
  const rows = await duck.all(
    `WITH base AS (${base.sql}) SELECT count(*) FILTER (WHERE __state NOT IN (${[...ACTIVE_STATES].map((x) => `'${x}'`).join(", ")})) AS n FROM base`,
    base.params,
  );
  return Number(rows[0]?.n ?? 0) === 0;
}
