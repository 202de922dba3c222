// tsnap query --engine clickhouse://HOST[:PORT]/DB: a planned history query (query/plan.ts,
// the one planner) answered by a fleet's tables on a ClickHouse server (docs/fleet.md)
// instead of DuckDB over one capture directory. The plan's groups map to the fleet's
// columns, its -w is parsed by query/filter.ts in the ClickHouse dialect below, the SQL is
// fleet-query.ts's (avg_threads per host over that host's covered seconds, summed), the
// latency columns come from the fleet's lathist summed over hosts, and the result is
// query/run-query.ts's QueryResult, rendered by query/render.ts as a local one is.
import { UsageError } from "../errors.js";
import { statColumns } from "../model/latency-buckets.js";
import { ACTIVE_STATES, type ThreadState } from "../model/sample.js";
import { column, type QueryColumn } from "../query/columns.js";
import { type FilterDialect, parseFilter } from "../query/filter.js";
import { resolveWindow } from "../query/history.js";
import { decideLatency, type QueryPlan } from "../query/plan.js";
import type { QueryResult } from "../query/run-query.js";
import { formatTimestampUs } from "../store/files.js";
import { ClickHouseHttp, EngineError, parseEngineUrl } from "./clickhouse-http.js";
import { addFleetLatency } from "./fleet-hist.js";
import {
  coverageSql,
  endSql,
  type FleetColumn,
  type FleetWhere,
  fleetColumn,
  fleetSql,
  ident,
  ROLLUP_COLUMNS,
  tableTarget,
} from "./fleet-query.js";

/**
 * The fleet's column behind a query column; stack columns only to group by (their -w is
 * tsnap fleet's); a stored time column (timestamp) only in -w comparisons.
 */
function fleetOf(c: QueryColumn, flag: string): FleetColumn {
  if (flag === "-w" && c.kind === "time" && c.sql === `s.${c.name}`) return { name: c.name, type: "String" };
  const f = fleetColumn(c.name, flag);
  if (flag === "-w" && f.stack)
    throw new UsageError(`-w ${c.name}: with --engine, filter stacks with tsnap fleet -w ${c.name}=VALUE`);
  return f;
}

/** query/filter.ts's language in ClickHouse over the fleet's samples: every value a bound {wN:Type}. */
export const CLICKHOUSE_FILTER: FilterDialect = {
  lookup: (name, flag) => {
    const c = column(name, flag, true);
    fleetOf(c, flag);
    return c;
  },
  column: (c) => {
    const f = fleetOf(c, "-w");
    return f.expr ?? ident(f.name);
  },
  value: (name, kind) =>
    `{${name}:${kind === "number" ? "Float64" : kind === "time" ? "DateTime64(6, 'UTC')" : "String"}}`,
  regex: (expr, name) => `if(isNull(${expr}), NULL, match(toString(${expr}), {${name}:String}))`,
  distinct: (lhs, rhs) => `coalesce(${lhs} != ${rhs}, true)`,
};

export interface EngineOptions {
  /** Stop a query that would read more rows than this (ClickHouse max_rows_to_read); 0: no bound. */
  maxRows: number;
}

/** The plan answered by the server's tables: a groups result with the hosts behind it. */
export async function runEngineQuery(plan: QueryPlan, o: EngineOptions): Promise<QueryResult> {
  const { req } = plan;
  const url = parseEngineUrl(req.engine ?? "");
  const ch = new ClickHouseHttp(url);
  let target = tableTarget(url.db);
  const settings = o.maxRows > 0 ? { max_rows_to_read: o.maxRows } : undefined;
  const run = (q: { sql: string; params: Record<string, unknown> }) =>
    ch.query(q.sql, q.params).catch((e: unknown) => {
      if (e instanceof EngineError && e.code === 158)
        throw new UsageError(
          `${url.text}: the query would read more than ${o.maxRows} rows (--max-rows): narrow --from/--to or -w, or raise --max-rows`,
        );
      throw e;
    });
  const rollupTarget = tableTarget(url.db, true);
  const hasRollups =
    Number(
      (
        await run({
          sql: "SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'rounds_1m'",
          params: { db: url.db },
        })
      ).rows[0]?.n ?? 0,
    ) > 0;
  // The data's end: the raw rounds', else (raw rows past their TTL) the rollups' last minute's.
  let end = (await run(endSql(target))).rows[0];
  let endUs = Number(end?.t) + 1;
  if ((!end || end.t === null || Number(end.hosts ?? 0) === 0) && hasRollups) {
    end = (await run(endSql(rollupTarget))).rows[0];
    endUs = Number(end?.t) + 60e6;
  }
  if (!end || end.t === null || Number(end.hosts ?? 0) === 0)
    throw new UsageError(`${url.text}: no rounds in ${url.db}.rounds`);
  const win = resolveWindow({ endUs }, req.from, req.to, req.nowUs);
  // The one latency policy: a fleet's tables have lathist (histograms of every completion).
  const { latency } = decideLatency(plan, { dir: url.text, groups: [{ table: "lathist" }] });
  const groups = plan.groups.map((g) => fleetOf(g, req.groups !== undefined ? "-g" : "-G"));
  let where: FleetWhere | undefined;
  if (req.where.length) {
    const f = parseFilter(plan.whereText, req.nowUs, win.toUs, CLICKHOUSE_FILTER);
    where = { sql: f.sql, params: f.params, columns: f.columns.map((c) => fleetOf(c, "-w")) };
  }
  // Whole minutes grouped and filtered by what the per-minute rollups keep: read them (the
  // same sums, fewer rows, and there after the raw rows' TTL).
  const rollup =
    hasRollups &&
    win.fromUs % 60e6 === 0 &&
    win.toUs % 60e6 === 0 &&
    [...groups, ...(where?.columns ?? [])].every((c) => ROLLUP_COLUMNS.has(c.name));
  if (rollup) target = rollupTarget;
  const hosts = (await run(coverageSql({ ...win, where }, target))).rows.map((h) => ({
    host: String(h.host),
    covered_seconds: Number(h.covered_seconds),
  }));
  const res = await run(fleetSql({ groups, filters: [], where, ...win, limit: req.limit, settings }, target));
  const rows = res.rows.map((r) => {
    const out: Record<string, unknown> = { ...r };
    out.samples = Number(r.samples);
    out.avg_threads = Number(r.avg_threads);
    out.hosts = Number(r.hosts);
    // The sorting key's syscall is '' where a capture wrote NULL (docs/fleet.md).
    if (out.syscall === "") out.syscall = null;
    return out;
  });
  const names = plan.groups.map((g) => g.name);
  const histNote = await addFleetLatency(
    rows,
    latency,
    names,
    async (q) => (await run(q)).rows,
    { ...win, filters: [], where },
    target,
  );
  const order = ["samples", "avg_threads", ...names, "hosts"];
  const columns = [
    ...order,
    ...latency.flatMap((k) => Object.keys(statColumns(k, undefined))).filter((c) => !order.includes(c)),
  ];
  const hasState = names.includes("state");
  return {
    kind: "groups",
    window: {
      from: formatTimestampUs(win.fromUs),
      to: formatTimestampUs(win.toUs),
      covered_seconds: hosts.reduce((n, h) => n + h.covered_seconds, 0),
    },
    groups: names,
    columns,
    rows,
    latency,
    histMode: true,
    histNote,
    weighting: plan.weighting,
    hasHistograms: true,
    activeOnly: hasState ? rows.every((r) => ACTIVE_STATES.has(String(r.state) as ThreadState)) : null,
    fleet: {
      hosts,
      of: Number(end.hosts),
      readRows: res.readRows,
      tables: rollup ? "per-minute rollups" : "raw",
    },
  };
}
