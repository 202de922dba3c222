// tsnap fleet --hist: latency histograms of every completion (the lathist table) over the
// window, each key's fine buckets summed over hosts; counts add exactly, so the fleet's
// histogram is the sum of each host's `tsnap query --hist`.
import { UsageError } from "../errors.js";
import type { LatKind } from "../model/latency-buckets.js";
import { type FleetQuery, type FleetTarget, ident, sourceSql, WINDOW } from "./fleet-query.js";
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
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { from_us: q.fromUs, to_us: q.toUs, kind };
  const where = [WINDOW, "kind = {kind:String}"];
  q.filters.forEach((f, i) => {
    if (f.column.name !== "host" && f.column.name !== "service")
      throw new UsageError(
        `--hist: -w ${f.column.name} is a samples column; histograms take -w host= or service= only`,
      );
    params[`w${i}`] = f.value;
    where.push(`${ident(f.column.name)} ${f.op === "=" ? "=" : "!="} {w${i}:String}`);
  });
  const src = sourceSql(target, "lathist", params, creds);
  return {
    sql: `SELECT ${HIST_KEY_SQL[kind]} AS k, any(comm) AS comm, bucket AS b, sum(count) AS n FROM ${src} WHERE ${where.join(" AND ")} GROUP BY k, b ORDER BY k, b`,
    params,
  };
}
