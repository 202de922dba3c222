// tsnap fleet --hist: latency histograms of every completion (the lathist table) over the
// window, each key's fine buckets summed over hosts; counts add exactly, so the fleet's
// histogram is the sum of each host's `tsnap query --hist`.
import { UsageError } from "../errors.js";
import { type BucketCounts, type LatKind, statColumns } from "../model/latency-buckets.js";
import {
  type FleetQuery,
  type FleetTarget,
  type FleetWhere,
  hostOnly,
  ident,
  sourceSql,
  WINDOW,
} from "./fleet-query.js";
import type { Credentials } from "./sigv4.js";

/** The key of a fleet histogram per kind: as tsnap query's, with devices as MAJ:MIN (a name is one host's; -g host,devname names them) and processes as host/pid. */
const HIST_KEY_SQL: Record<LatKind, string> = {
  sc: "syscall",
  io: "concat(toString(dev_maj), ':', toString(dev_min))",
  ioq: "concat(toString(dev_maj), ':', toString(dev_min))",
  rq: "concat(host, '/', toString(tgid))",
};

/**
 * Latency histograms of every completion (the lathist table) over the window, summed over
 * hosts per key and fine bucket; -w filters on host and service apply (other columns are
 * the samples'). Counts add across hosts and intervals exactly, so the fleet's histogram
 * is the sum of each host's `tsnap query --hist`.
 */
export function fleetHistSql(
  kind: LatKind,
  q: Pick<FleetQuery, "fromUs" | "toUs" | "filters">,
  target: FleetTarget,
  creds?: Credentials,
  /** tsnap query's -w: applied when it names host and service only (hostOnly). */
  where?: FleetWhere,
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { from_us: q.fromUs, to_us: q.toUs, kind };
  const conds = [WINDOW, "kind = {kind:String}"];
  q.filters.forEach((f, i) => {
    if (f.column.name !== "host" && f.column.name !== "service")
      throw new UsageError(
        `--hist: -w ${f.column.name} is a samples column; histograms take -w host= or service= only`,
      );
    params[`w${i}`] = f.value;
    conds.push(`${ident(f.column.name)} ${f.op === "=" ? "=" : "!="} {w${i}:String}`);
  });
  if (where && hostOnly(where)) {
    Object.assign(params, where.params);
    conds.push(where.sql);
  }
  const src = sourceSql(target, "lathist", params, creds);
  return {
    sql: `SELECT ${HIST_KEY_SQL[kind]} AS k, any(comm) AS comm, bucket AS b, sum(count) AS n FROM ${src} WHERE ${conds.join(" AND ")} GROUP BY k, b ORDER BY k, b`,
    params,
  };
}

type Rows = Record<string, unknown>[];

/**
 * Latency columns (`sc_*`, `rq_*`: n, min, avg, p50, p95, p99, max in µs) for grouped fleet
 * rows, as tsnap query adds them from the histograms of every completion: each key's fine
 * buckets summed over the hosts. A syscall is one name everywhere; a process is HOST/PID, so
 * rq needs host and tgid among the groups; io has no key on a fleet (a device number is one
 * host's): its columns stay empty. `filters`: applied when on host and service only
 * (histograms have no other samples columns). Returns the note for the table's header.
 */
export async function addFleetLatency(
  rows: Rows,
  kinds: readonly LatKind[],
  groups: readonly string[],
  run: (q: { sql: string; params: Record<string, unknown> }) => Promise<Rows>,
  q: Pick<FleetQuery, "fromUs" | "toUs" | "filters" | "where">,
  target: FleetTarget,
  creds?: Credentials,
): Promise<string> {
  let note = "";
  const hostFilters = q.filters.filter((f) => f.column.name === "host" || f.column.name === "service");
  if (hostFilters.length < q.filters.length || (q.where && !hostOnly(q.where)))
    note = "; -w does not narrow them: it uses columns they lack";
  for (const k of kinds) {
    const key = latencyKey(k, groups);
    const byKey = new Map<string, BucketCounts>();
    if (key) {
      const hq = { fromUs: q.fromUs, toUs: q.toUs, filters: hostFilters };
      for (const r of await run(fleetHistSql(k, hq, target, creds, q.where))) {
        const counts = byKey.get(String(r.k)) ?? new Map<number, number>();
        counts.set(Number(r.b), (counts.get(Number(r.b)) ?? 0) + Number(r.n));
        byKey.set(String(r.k), counts);
      }
    } else note = `${note}; ${k}_* need -g ${k === "rq" ? "host,tgid" : "host,devname"} on a fleet`;
    for (const r of rows) Object.assign(r, statColumns(k, key ? byKey.get(key(r)) : undefined));
  }
  return note;
}

/** How a grouped row finds its histogram among fleetHistSql's keys, or null when it cannot. */
function latencyKey(k: LatKind, groups: readonly string[]): ((r: Record<string, unknown>) => string) | null {
  if (k === "sc") {
    const col = groups.includes("syscall") ? "syscall" : "syscall_active";
    return (r) => String(r[col] ?? "");
  }
  if (k === "rq" && groups.includes("host") && groups.includes("tgid")) return (r) => `${r.host}/${r.tgid}`;
  return null;
}
