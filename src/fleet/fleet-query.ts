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
import { SAMPLE_COLUMNS } from "../model/sample-columns.js";
import { ROLLED_UP, ROLLUP_SUFFIX } from "./clickhouse-ddl.js";
import type { FleetTarget as CliTarget } from "./fleet-target.js";
import type { Credentials } from "./sigv4.js";

/** A store or mirror (the CLI's), or tables on a ClickHouse server laid out as docs/fleet.md. */
export type FleetTarget = CliTarget | { kind: "table"; db: string; rollup?: boolean };

/** `rollup`: samples, rounds and lathist from their per-minute rollups (clickhouse-ddl.ts rollupSql). */
export function tableTarget(db: string, rollup = false): FleetTarget {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(db)) throw new UsageError(`bad database name '${db}'`);
  return { kind: "table", db, rollup };
}

/** The columns a per-minute rollup keeps: a query on these only, over whole minutes, can read it. */
export const ROLLUP_COLUMNS = new Set(["host", "service", "state", "syscall"]);

export interface FleetColumn {
  name: string;
  /** ClickHouse parameter type for -w values. */
  type: "String" | "Int64";
  /** A computed column: its ClickHouse expression (model/derived-columns.ts, or the stack's text). */
  expr?: string;
  /** Computed from a stack dictionary: grouped by the sample's hash, resolved per host after. */
  stack?: "k" | "u";
  /** Tables joined to each sample in `g` (samplesFrom): its I/O, the host's device of it, its syscall's completion. */
  joins?: SampleJoin[];
}

export type SampleJoin = "io" | "dev" | "sc";

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
  // Joined as tsnap query joins them (query/columns.ts), within each host: the block device
  // of the I/O the sample saw, named by that host's own devices table; that I/O's size and
  // flags; the return value of the syscall the sample saw.
  { name: "devname", type: "String", expr: "__dv_devname", joins: ["io", "dev"] },
  { name: "io_bytes", type: "Int64", expr: "__io_bytes", joins: ["io"] },
  { name: "iorq_flags", type: "String", expr: "__io_flags", joins: ["io"] },
  { name: "sysc_ret_val", type: "Int64", expr: "__sc_ret", joins: ["sc"] },
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
  /** tsnap query's -w (query/filter.ts in the ClickHouse dialect): one condition on the samples. */
  where?: FleetWhere;
  fromUs: number;
  toUs: number;
  limit: number;
  /** Server settings for the query's SETTINGS clause (e.g. max_rows_to_read). */
  settings?: Record<string, number>;
}

export interface FleetWhere {
  sql: string;
  params: Record<string, unknown>;
  /** The columns it names: their joins; on host and service only, it narrows the hosts counted too. */
  columns: FleetColumn[];
}

/** A -w on host and service only: it narrows the rounds (hosts counted), dictionaries and histograms too. */
export const hostOnly = (w: FleetWhere) => w.columns.every((c) => c.name === "host" || c.name === "service");

/** The SETTINGS clause of a query: join_use_nulls (tsnap query's NULLs) and the caller's. */
export function settingsSql(settings: Record<string, number> = {}): string {
  const all = { join_use_nulls: 1, ...settings };
  return `SETTINGS ${Object.entries(all)
    .map(([k, v]) => {
      if (!/^[a-z_]+$/.test(k) || !Number.isSafeInteger(v)) throw new Error(`bad setting ${k}`);
      return `${k} = ${v}`;
    })
    .join(", ")}`;
}

export const ident = (n: string) => `\`${n}\``; // names from FLEET_COLUMNS only

/** The table function over one table's segments, its arguments as parameters. */
export function sourceSql(
  target: FleetTarget,
  table: "samples" | "rounds" | "lathist" | "kstacks" | "ustacks" | "iorqend" | "syscend" | "devices",
  params: Record<string, unknown>,
  creds?: Credentials,
  /** Columns given, not inferred: a table with no objects yet reads as empty. */
  structure?: string,
): string {
  if (target.kind === "table")
    return `${target.db}.${table}${target.rollup && ROLLED_UP.includes(table as (typeof ROLLED_UP)[number]) ? ROLLUP_SUFFIX : ""}`;
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

export const STACK = {
  k: { alias: "ks", table: "kstacks", hash: "kstack_hash", syms: "kstack_syms" },
  u: { alias: "us", table: "ustacks", hash: "ustack_hash", syms: "ustack_syms" },
} as const;

export const WINDOW =
  "toUnixTimestamp64Micro(timestamp) >= {from_us:Int64} AND toUnixTimestamp64Micro(timestamp) < {to_us:Int64}";

/** The -w filters of a query as conditions, each value a bound parameter `w<i>`. */
export interface FilterParts {
  /** On the samples (and their joined I/O and device) in `g`. */
  where: string[];
  /** On the rounds (coverage): host and service only. */
  hostWhere: string[];
  /** On a dictionary's rows: host and service only. */
  dictWhere: string[];
  /** On the outer rows: the stack columns, resolved per host. */
  outerWhere: string[];
  /** Stack dictionaries the filters need. */
  stacks: ("k" | "u")[];
}

export function filterParts(filters: FleetFilter[], params: Record<string, unknown>): FilterParts {
  const f: FilterParts = { where: [WINDOW], hostWhere: [WINDOW], dictWhere: [], outerWhere: [], stacks: [] };
  filters.forEach((x, i) => {
    params[`w${i}`] = x.column.type === "Int64" ? Number(x.value) : x.value;
    const op = x.op === "=" ? "=" : "!=";
    const cond = (lhs: string) => `${lhs} ${op} {w${i}:${x.column.type}}`;
    if (x.column.stack) f.outerWhere.push(cond(resolvedStack(x.column)));
    else f.where.push(cond(x.column.expr ?? ident(x.column.name)));
    if (x.column.name === "host" || x.column.name === "service") {
      f.hostWhere.push(cond(ident(x.column.name)));
      f.dictWhere.push(cond(ident(x.column.name)));
    }
    if (x.column.stack && !f.stacks.includes(x.column.stack)) f.stacks.push(x.column.stack);
  });
  return f;
}

/** A host's stack dictionary as a CTE: one row per (host, hash). */
export function dictCte(
  k: "k" | "u",
  target: FleetTarget,
  params: Record<string, unknown>,
  dictWhere: string[],
  creds?: Credentials,
): string {
  const d = STACK[k];
  const src = sourceSql(
    target,
    d.table,
    params,
    creds,
    `host String, service String, ${d.hash} Nullable(String), ${d.syms} Nullable(String)`,
  );
  return `${d.alias} AS (SELECT host, ${d.hash}, any(${d.syms}) AS ${d.syms} FROM ${src}${dictWhere.length ? ` WHERE ${dictWhere.join(" AND ")}` : ""} GROUP BY host, ${d.hash})`;
}

/** The join of `g` (a host's hashes) to that host's own dictionary rows. */
export function dictJoin(k: "k" | "u"): string {
  const d = STACK[k];
  return `LEFT JOIN ${d.alias} ON g.host = ${d.alias}.host AND g.${d.hash} = ${d.alias}.${d.hash}`;
}

/** The joins the columns need. */
export const joinsOf = (cols: FleetColumn[]): Set<SampleJoin> => new Set(cols.flatMap((c) => c.joins ?? []));

/**
 * The samples' FROM in `g`, with what the columns join to each sample within its host (as
 * tsnap query joins them): `io` its I/O (iorqend on tid and sequence number), `dev` that
 * I/O's device named by the host's own devices table (device numbers differ between
 * hosts), `sc` its syscall's completion (syscend on tid and sequence number). Joined
 * columns are named `__io_*`, `__dv_*`, `__sc_*`.
 */
export function samplesFrom(
  target: FleetTarget,
  params: Record<string, unknown>,
  joins: Set<SampleJoin>,
  dictWhere: string[],
  creds?: Credentials,
): string {
  const samples = sourceSql(target, "samples", params, creds);
  if (joins.size === 0) return samples;
  const w = dictWhere.length ? ` WHERE ${dictWhere.join(" AND ")}` : "";
  const out = [`${samples} AS s`];
  if (joins.has("io") || joins.has("dev")) {
    const io = sourceSql(
      target,
      "iorqend",
      params,
      creds,
      "host String, service String, insert_tid Int64, iorq_seq_num Int64, dev_maj Nullable(Int64), dev_min Nullable(Int64), bytes Nullable(Int64), iorq_flags Nullable(String)",
    );
    out.push(
      `LEFT JOIN (SELECT host AS __io_host, insert_tid AS __io_tid, iorq_seq_num AS __io_seq, dev_maj AS __io_maj, dev_min AS __io_min, bytes AS __io_bytes, iorq_flags AS __io_flags FROM ${io}${w}) AS io ON s.host = io.__io_host AND s.tid = io.__io_tid AND s.iorq_seq_num = io.__io_seq`,
    );
  }
  if (joins.has("dev")) {
    const dv = sourceSql(
      target,
      "devices",
      params,
      creds,
      "host String, service String, dev_maj Nullable(Int64), dev_min Nullable(Int64), devname Nullable(String)",
    );
    out.push(
      `LEFT JOIN (SELECT host AS __dv_host, dev_maj AS __dv_maj, dev_min AS __dv_min, any(devname) AS __dv_devname FROM ${dv}${w} GROUP BY host, dev_maj, dev_min) AS dv ON s.host = dv.__dv_host AND io.__io_maj = dv.__dv_maj AND io.__io_min = dv.__dv_min`,
    );
  }
  if (joins.has("sc")) {
    const sc = sourceSql(
      target,
      "syscend",
      params,
      creds,
      "host String, service String, tid Int64, sysc_seq_num Int64, sysc_ret_val Nullable(Int64)",
    );
    out.push(
      `LEFT JOIN (SELECT host AS __sc_host, tid AS __sc_tid, sysc_seq_num AS __sc_seq, sysc_ret_val AS __sc_ret FROM ${sc}${w}) AS sc ON s.host = sc.__sc_host AND s.tid = sc.__sc_tid AND s.sysc_seq_num = sc.__sc_seq`,
    );
  }
  return out.join("\n  ");
}

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
  const f = filterParts(q.filters, params);
  const used = [...q.groups, ...q.filters.map((x) => x.column), ...(q.where?.columns ?? [])];
  if (q.where) {
    Object.assign(params, q.where.params);
    f.where.push(q.where.sql);
    if (hostOnly(q.where)) {
      f.hostWhere.push(q.where.sql);
      f.dictWhere.push(q.where.sql);
    }
  }
  const stacks = [...new Set([...q.groups.flatMap((c) => c.stack ?? []), ...f.stacks])];
  const rowGroups = q.groups.filter((c) => c.name !== "host" && !c.stack);
  const inG = [
    ...rowGroups.map((c) => (c.expr ? `${c.expr} AS ${ident(c.name)}` : ident(c.name))),
    ...stacks.map((k) => STACK[k].hash),
  ];
  const gKeys = ["host", ...rowGroups.map((c) => ident(c.name)), ...stacks.map((k) => STACK[k].hash)];
  const byHost = q.groups.some((c) => c.name === "host");
  const samples = samplesFrom(target, params, joinsOf(used), f.dictWhere, creds);
  const rounds = sourceSql(target, "rounds", params, creds);
  const outExpr = (c: FleetColumn) => (c.stack ? resolvedStack(c) : `g.${ident(c.name)}`);
  const shown = q.groups.filter((c) => c.name !== "host");
  const outGroups = [
    ...(byHost ? ["g.host AS host"] : []),
    ...shown.map((c) => `${outExpr(c)} AS ${ident(c.name)}`),
  ];
  const groupBy = [...(byHost ? ["g.host"] : []), ...shown.map(outExpr)];
  const dicts = stacks.map((k) => dictCte(k, target, params, f.dictWhere, creds));
  const sql = `WITH
cov AS (SELECT host, sum(weight_us) / 1e6 AS secs FROM ${rounds} WHERE ${f.hostWhere.join(" AND ")} GROUP BY host),
${dicts.map((d) => `${d},\n`).join("")}g AS (SELECT ${["host", ...inG, `${target.kind === "table" && target.rollup ? "sum(samples)" : "count()"} AS n`, "sum(weight_us) AS w"].join(", ")} FROM ${samples} WHERE ${f.where.join(" AND ")} GROUP BY ${gKeys.join(", ")})
SELECT ${[...outGroups, "sum(g.n) AS samples", "sum(g.w / 1e6 / cov.secs) AS avg_threads", "uniqExact(g.host) AS hosts"].join(", ")}
FROM g INNER JOIN cov ON g.host = cov.host
${stacks.map((k) => `${dictJoin(k)}\n`).join("")}${f.outerWhere.length ? `WHERE ${f.outerWhere.join(" AND ")}\n` : ""}${groupBy.length ? `GROUP BY ${groupBy.join(", ")}` : ""}
ORDER BY avg_threads DESC${groupBy.length ? `, ${groupBy.join(", ")}` : ""}
LIMIT {limit:UInt64}
${settingsSql(q.settings)}`;
  return { sql, params };
}

/** A stack column over the joined dictionary row: as query/columns.ts shows it. */
function resolvedStack(c: FleetColumn): string {
  const d = STACK[c.stack!];
  return `if(isNull(g.${d.hash}), NULL, if(isNull(${d.alias}.${d.syms}), '(unresolved)', ${c.expr}))`;
}

/** Hosts with rounds in the window (the "reporting" count) and the data's end. */
export function coverageSql(
  q: Pick<FleetQuery, "fromUs" | "toUs" | "where">,
  target: FleetTarget,
  creds?: Credentials,
) {
  const params: Record<string, unknown> = { from_us: q.fromUs, to_us: q.toUs };
  const rounds = sourceSql(target, "rounds", params, creds);
  const where = [WINDOW];
  if (q.where && hostOnly(q.where)) {
    Object.assign(params, q.where.params);
    where.push(q.where.sql);
  }
  return {
    sql: `SELECT host, sum(weight_us) / 1e6 AS covered_seconds FROM ${rounds} WHERE ${where.join(" AND ")} GROUP BY host ORDER BY host`,
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
