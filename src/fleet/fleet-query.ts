// The fleet's grouped query in ClickHouse (chDB here; the same SQL runs on a server over
// the tables of docs/fleet.md): the samples of every host in a time window, grouped by any
// stored samples column plus host and service, with avg_threads computed per host (Σ
// weight_us / 1e6 / that host's seconds covered by rounds in the window) and then summed
// over hosts: the fleet's figure is the sum of each host's `tsnap query` answer, and a
// host that sent nothing for the window is absent (reported), never averaged in as idle.
// Every user value (window, -w values, the store's URL and keys) is a bound parameter;
// column names come from the schema's list only.
import { UsageError } from "../errors.js";
import type { LatKind } from "../model/latency-buckets.js";
import { SAMPLE_COLUMNS } from "../model/sample-columns.js";
import type { FleetTarget as CliTarget } from "./fleet-target.js";
import type { Credentials } from "./sigv4.js";

/** A store or mirror (the CLI's), or tables on a ClickHouse server laid out as docs/fleet.md. */
export type FleetTarget = CliTarget | { kind: "table"; db: string };

export function tableTarget(db: string): FleetTarget {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(db)) throw new UsageError(`bad database name '${db}'`);
  return { kind: "table", db };
}

export interface FleetColumn {
  name: string;
  /** ClickHouse parameter type for -w values. */
  type: "String" | "Int64";
}

const EXTRA: FleetColumn[] = [
  { name: "host", type: "String" },
  { name: "service", type: "String" },
];

/** Columns a fleet query can group and filter by: host, service and the stored ones. */
export const FLEET_COLUMNS: FleetColumn[] = [
  ...EXTRA,
  ...SAMPLE_COLUMNS.flatMap((c): FleetColumn[] =>
    c.stored === "VARCHAR"
      ? [{ name: c.name, type: "String" }]
      : c.stored === "BIGINT" || c.stored === "INTEGER"
        ? [{ name: c.name, type: "Int64" }]
        : [],
  ),
];
const BY_NAME = new Map(FLEET_COLUMNS.map((c) => [c.name, c]));

export function fleetColumn(name: string, flag: string): FleetColumn {
  const c = BY_NAME.get(name.toLowerCase());
  if (!c)
    throw new UsageError(
      `${flag}: '${name}' is not a fleet column (host, service, or a stored samples column: see docs/schema.md)`,
    );
  return c;
}

export interface FleetFilter {
  column: FleetColumn;
  op: "=" | "!=";
  value: string;
}

/** -w for fleets: `col=value` or `col!=value`, one per -w, ANDed (quotes around the value optional). */
export function parseFleetWhere(text: string): FleetFilter {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|=)\s*(.*?)\s*$/s.exec(text);
  if (!m) throw new UsageError(`-w '${text}': fleet filters are col=value or col!=value (one per -w)`);
  const column = fleetColumn(m[1], "-w");
  let value = m[3];
  const q = /^(['"])(.*)\1$/s.exec(value);
  if (q) value = q[2];
  if (column.type === "Int64" && !/^-?\d{1,18}$/.test(value))
    throw new UsageError(`-w ${column.name}: a whole number, got '${value}'`);
  return { column, op: m[2] as "=" | "!=", value };
}

export interface FleetQuery {
  groups: FleetColumn[];
  filters: FleetFilter[];
  fromUs: number;
  toUs: number;
  limit: number;
}

const ident = (n: string) => `\`${n}\``; // names from FLEET_COLUMNS only

/** The table function over one table's segments, its arguments as parameters. */
export function sourceSql(
  target: FleetTarget,
  table: "samples" | "rounds" | "lathist",
  params: Record<string, unknown>,
  creds?: Credentials,
): string {
  if (target.kind === "table") return `${target.db}.${table}`;
  if (target.kind === "dir") {
    params[`${table}_path`] = `${target.dir.replace(/\/+$/, "")}/${table}/**/*.parquet`;
    return `file({${table}_path:String}, 'Parquet')`;
  }
  const base = `${target.endpoint.origin}/${target.bucket}${target.prefix ? `/${target.prefix}` : ""}`;
  params[`${table}_url`] = `${base}/${table}/**/*.parquet`;
  if (!creds) return `s3({${table}_url:String}, 'Parquet')`;
  params.s3_key = creds.accessKeyId;
  params.s3_secret = creds.secretAccessKey;
  return `s3({${table}_url:String}, {s3_key:String}, {s3_secret:String}, 'Parquet')`;
}

const WINDOW =
  "toUnixTimestamp64Micro(timestamp) >= {from_us:Int64} AND toUnixTimestamp64Micro(timestamp) < {to_us:Int64}";

export function fleetSql(
  q: FleetQuery,
  target: FleetTarget,
  creds?: Credentials,
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {
    from_us: q.fromUs,
    to_us: q.toUs,
    limit: q.limit > 0 ? q.limit : 1e12,
  };
  const where = [WINDOW];
  const hostWhere = [WINDOW];
  q.filters.forEach((f, i) => {
    params[`w${i}`] = f.column.type === "Int64" ? Number(f.value) : f.value;
    const cond = `${ident(f.column.name)} ${f.op === "=" ? "=" : "!="} {w${i}:${f.column.type}}`;
    where.push(cond);
    if (f.column.name === "host" || f.column.name === "service") hostWhere.push(cond);
  });
  const g = q.groups.filter((c) => c.name !== "host").map((c) => ident(c.name));
  const byHost = q.groups.some((c) => c.name === "host");
  const samples = sourceSql(target, "samples", params, creds);
  const rounds = sourceSql(target, "rounds", params, creds);
  const outGroups = [...(byHost ? ["g.host AS host"] : []), ...g.map((c) => `g.${c} AS ${c}`)];
  const groupBy = [...(byHost ? ["g.host"] : []), ...g.map((c) => `g.${c}`)];
  const sql = `WITH
cov AS (SELECT host, sum(weight_us) / 1e6 AS secs FROM ${rounds} WHERE ${hostWhere.join(" AND ")} GROUP BY host),
g AS (SELECT ${["host", ...g, "count() AS n", "sum(weight_us) AS w"].join(", ")} FROM ${samples} WHERE ${where.join(" AND ")} GROUP BY ${["host", ...g].join(", ")})
SELECT ${[...outGroups, "sum(g.n) AS samples", "sum(g.w / 1e6 / cov.secs) AS avg_threads", "uniqExact(g.host) AS hosts"].join(", ")}
FROM g INNER JOIN cov ON g.host = cov.host
${groupBy.length ? `GROUP BY ${groupBy.join(", ")}` : ""}
ORDER BY avg_threads DESC${groupBy.length ? `, ${groupBy.join(", ")}` : ""}
LIMIT {limit:UInt64}`;
  return { sql, params };
}

/** Hosts with rounds in the window (the "reporting" count) and the data's end. */
export function coverageSql(
  q: Pick<FleetQuery, "fromUs" | "toUs">,
  target: FleetTarget,
  creds?: Credentials,
) {
  const params: Record<string, unknown> = { from_us: q.fromUs, to_us: q.toUs };
  const rounds = sourceSql(target, "rounds", params, creds);
  return {
    sql: `SELECT host, sum(weight_us) / 1e6 AS covered_seconds FROM ${rounds} WHERE ${WINDOW} GROUP BY host ORDER BY host`,
    params,
  };
}

export function endSql(target: FleetTarget, creds?: Credentials) {
  const params: Record<string, unknown> = {};
  return {
    sql: `SELECT toUnixTimestamp64Micro(max(timestamp)) AS t, uniqExact(host) AS hosts FROM ${sourceSql(target, "rounds", params, creds)}`,
    params,
  };
}

/** The key of a fleet histogram per kind: as tsnap query's, with devices as MAJ:MIN (no partitions file is shipped) and processes as host/pid. */
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
