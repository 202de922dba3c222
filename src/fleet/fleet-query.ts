// The fleet's grouped query in ClickHouse (chDB here; the same SQL runs on a server over
// the tables of docs/fleet.md): the samples of every host in a time window, grouped by any
// stored samples column plus host and service, with avg_threads computed per host (Σ
// weight_us / 1e6 / that host's seconds covered by rounds in the window) and then summed
// over hosts: the fleet's figure is the sum of each host's `tsnap query` answer, and a
// host that sent nothing for the window is absent (reported), never averaged in as idle.
// Every user value (window, -w values, the store's URL and keys) is a bound parameter;
// column names come from the schema's list only.
import { UsageError } from "../errors.js";
import { DERIVED_COLUMNS } from "../model/derived-columns.js";
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
  /** A computed column: its ClickHouse expression (model/derived-columns.ts, or the stack's text). */
  expr?: string;
  /** Computed from a stack dictionary: grouped by the sample's hash, resolved per host after. */
  stack?: "k" | "u";
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
  // The computed columns of tsnap query that ClickHouse can compute alike.
  { name: "kstack_syms", type: "String", expr: "ks.kstack_syms", stack: "k" },
  { name: "ustack_syms", type: "String", expr: "us.ustack_syms", stack: "u" },
  ...DERIVED_COLUMNS.map(
    (d): FleetColumn => ({ name: d.name, type: "String", expr: d.clickhouse, stack: d.stack }),
  ),
];
const BY_NAME = new Map(FLEET_COLUMNS.map((c) => [c.name, c]));

export function fleetColumn(name: string, flag: string): FleetColumn {
  const c = BY_NAME.get(name.toLowerCase());
  if (!c)
    throw new UsageError(
      `${flag}: '${name}' is not a fleet column (host, service, a stored samples column (docs/schema.md), ${FLEET_COLUMNS.filter(
        (x) => x.expr,
      )
        .map((x) => x.name)
        .join(", ")})`,
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
  table: "samples" | "rounds" | "lathist" | "kstacks" | "ustacks",
  params: Record<string, unknown>,
  creds?: Credentials,
  /** Columns given, not inferred: a table with no objects yet reads as empty. */
  structure?: string,
): string {
  if (target.kind === "table") return `${target.db}.${table}`;
  const format = `'Parquet'${structure ? `, '${structure}'` : ""}`;
  if (target.kind === "dir") {
    params[`${table}_path`] = `${target.dir.replace(/\/+$/, "")}/${table}/**/*.parquet`;
    return `file({${table}_path:String}, ${format})`;
  }
  const base = `${target.endpoint.origin}/${target.bucket}${target.prefix ? `/${target.prefix}` : ""}`;
  params[`${table}_url`] = `${base}/${table}/**/*.parquet`;
  if (!creds) return `s3({${table}_url:String}, ${format})`;
  params.s3_key = creds.accessKeyId;
  params.s3_secret = creds.secretAccessKey;
  return `s3({${table}_url:String}, {s3_key:String}, {s3_secret:String}, ${format})`;
}

const STACK = {
  k: { alias: "ks", table: "kstacks", hash: "kstack_hash", syms: "kstack_syms" },
  u: { alias: "us", table: "ustacks", hash: "ustack_hash", syms: "ustack_syms" },
} as const;

const WINDOW =
  "toUnixTimestamp64Micro(timestamp) >= {from_us:Int64} AND toUnixTimestamp64Micro(timestamp) < {to_us:Int64}";

/**
 * Stored and row-computed columns are grouped per host in `g`; a stack column groups `g` by
 * the sample's hash and is resolved in the outer query through that host's dictionary
 * (a hash is a host's own: bpf hashes addresses), NULL without a stack and '(unresolved)'
 * when the hash has no entry, as tsnap query shows them. Filters on stack columns apply to
 * the outer rows, each one host's hash: exact, as a filter before grouping would be.
 */
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
  const dictWhere: string[] = [];
  const outerWhere: string[] = [];
  q.filters.forEach((f, i) => {
    params[`w${i}`] = f.column.type === "Int64" ? Number(f.value) : f.value;
    const op = f.op === "=" ? "=" : "!=";
    const cond = (lhs: string) => `${lhs} ${op} {w${i}:${f.column.type}}`;
    if (f.column.stack) outerWhere.push(cond(resolvedStack(f.column)));
    else where.push(cond(f.column.expr ?? ident(f.column.name)));
    if (f.column.name === "host" || f.column.name === "service") {
      hostWhere.push(cond(ident(f.column.name)));
      dictWhere.push(cond(ident(f.column.name)));
    }
  });
  const stacks = [...new Set([...q.groups, ...q.filters.map((f) => f.column)].flatMap((c) => c.stack ?? []))];
  const rowGroups = q.groups.filter((c) => c.name !== "host" && !c.stack);
  const inG = [
    ...rowGroups.map((c) => (c.expr ? `${c.expr} AS ${ident(c.name)}` : ident(c.name))),
    ...stacks.map((k) => STACK[k].hash),
  ];
  const gKeys = ["host", ...rowGroups.map((c) => ident(c.name)), ...stacks.map((k) => STACK[k].hash)];
  const byHost = q.groups.some((c) => c.name === "host");
  const samples = sourceSql(target, "samples", params, creds);
  const rounds = sourceSql(target, "rounds", params, creds);
  const outExpr = (c: FleetColumn) => (c.stack ? resolvedStack(c) : `g.${ident(c.name)}`);
  const shown = q.groups.filter((c) => c.name !== "host");
  const outGroups = [
    ...(byHost ? ["g.host AS host"] : []),
    ...shown.map((c) => `${outExpr(c)} AS ${ident(c.name)}`),
  ];
  const groupBy = [...(byHost ? ["g.host"] : []), ...shown.map(outExpr)];
  const dicts = stacks.map((k) => {
    const d = STACK[k];
    const src = sourceSql(
      target,
      d.table,
      params,
      creds,
      `host String, service String, ${d.hash} Nullable(String), ${d.syms} Nullable(String)`,
    );
    return `${d.alias} AS (SELECT host, ${d.hash}, any(${d.syms}) AS ${d.syms} FROM ${src}${dictWhere.length ? ` WHERE ${dictWhere.join(" AND ")}` : ""} GROUP BY host, ${d.hash})`;
  });
  const joins = stacks.map((k) => {
    const d = STACK[k];
    return `LEFT JOIN ${d.alias} ON g.host = ${d.alias}.host AND g.${d.hash} = ${d.alias}.${d.hash}`;
  });
  const sql = `WITH
cov AS (SELECT host, sum(weight_us) / 1e6 AS secs FROM ${rounds} WHERE ${hostWhere.join(" AND ")} GROUP BY host),
${dicts.map((d) => `${d},\n`).join("")}g AS (SELECT ${["host", ...inG, "count() AS n", "sum(weight_us) AS w"].join(", ")} FROM ${samples} WHERE ${where.join(" AND ")} GROUP BY ${gKeys.join(", ")})
SELECT ${[...outGroups, "sum(g.n) AS samples", "sum(g.w / 1e6 / cov.secs) AS avg_threads", "uniqExact(g.host) AS hosts"].join(", ")}
FROM g INNER JOIN cov ON g.host = cov.host
${joins.map((j) => `${j}\n`).join("")}${outerWhere.length ? `WHERE ${outerWhere.join(" AND ")}\n` : ""}${groupBy.length ? `GROUP BY ${groupBy.join(", ")}` : ""}
ORDER BY avg_threads DESC${groupBy.length ? `, ${groupBy.join(", ")}` : ""}
LIMIT {limit:UInt64}
SETTINGS join_use_nulls = 1`;
  return { sql, params };
}

/** A stack column over the joined dictionary row: as query/columns.ts shows it. */
function resolvedStack(c: FleetColumn): string {
  const d = STACK[c.stack!];
  return `if(isNull(g.${d.hash}), NULL, if(isNull(${d.alias}.${d.syms}), '(unresolved)', ${c.expr}))`;
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
