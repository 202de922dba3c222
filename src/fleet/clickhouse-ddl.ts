// ClickHouse DDL for a fleet's tables on a server, derived from the one schema declaration
// (store/schema.ts) plus the host and service columns that tsnap ship adds: MergeTree
// partitioned by day, ordered for the fleet's questions (service, host, hour, state,
// syscall, time), TTL, LowCardinality strings, Delta+ZSTD on times; dictionaries (stacks,
// cgroups, the host's devices) as ReplacingMergeTree on host and their key. docs/fleet.md shows it (fleet-ddl.test.ts keeps it
// equal, runs it in chDB and loads shipped segments with the INSERT given here).
import { type ColumnType, TABLES, type TableName } from "../store/schema.js";
import { DEVICE_COLUMNS, DEVICES } from "./devices.js";

/** The capture's tables and the host's devices (devices.ts), as shipped. */
type ShippedTable = TableName | typeof DEVICES;

/** Strings with few distinct values per part: dictionary-encoded. */
const LOW_CARDINALITY = new Set([
  "host",
  "service",
  "state",
  "syscall",
  "syscall_active",
  "username",
  "exe",
  "comm",
  "source",
  "kind",
  "type",
  "conn_state",
  "wchan",
  "syscall_name",
  "iorq_flags",
]);

/** Always set by the writer: not Nullable either. */
const NEVER_NULL = new Set(["weight_us", "tid", "tgid", "host", "service"]);

interface TableLayout {
  engine: string;
  /** Columns in the sorting key: stored without Nullable (NULL arrives as ''/0). */
  key: string[];
  order: string;
  partition?: string;
  ttl?: string;
}

const byDay = (t: string) => `toDate(${t})`;
const ttl = (t: string) => `toDateTime(${t}) + INTERVAL TTL_DAYS DAY DELETE`;

const LAYOUT: Record<ShippedTable, TableLayout> = {
  samples: {
    engine: "MergeTree",
    key: ["service", "host", "timestamp", "state", "syscall"],
    order: "(service, host, toStartOfHour(timestamp), state, syscall, timestamp)",
    partition: byDay("timestamp"),
    ttl: ttl("timestamp"),
  },
  rounds: {
    engine: "MergeTree",
    key: ["service", "host", "timestamp"],
    order: "(service, host, timestamp)",
    partition: byDay("timestamp"),
    ttl: ttl("timestamp"),
  },
  syscend: {
    engine: "MergeTree",
    key: ["service", "host", "sysc_enter_time", "tid", "sysc_seq_num"],
    order: "(service, host, toStartOfHour(sysc_enter_time), tid, sysc_seq_num)",
    partition: byDay("sysc_enter_time"),
    ttl: ttl("sysc_enter_time"),
  },
  iorqend: {
    engine: "MergeTree",
    key: ["service", "host", "issue_timestamp", "insert_tid", "iorq_seq_num"],
    order: "(service, host, toStartOfHour(issue_timestamp), insert_tid, iorq_seq_num)",
    partition: byDay("issue_timestamp"),
    ttl: ttl("issue_timestamp"),
  },
  lathist: {
    engine: "MergeTree",
    key: ["service", "host", "timestamp", "kind"],
    order: "(service, host, kind, timestamp)",
    partition: byDay("timestamp"),
    ttl: ttl("timestamp"),
  },
  // Dictionaries are a host's own: a hash (of addresses, for bpf) or an id means nothing on
  // another host, so host is in the key, or a merge would keep one host's row of two.
  kstacks: { engine: "ReplacingMergeTree", key: ["host", "kstack_hash"], order: "(host, kstack_hash)" },
  ustacks: { engine: "ReplacingMergeTree", key: ["host", "ustack_hash"], order: "(host, ustack_hash)" },
  cgroups: { engine: "ReplacingMergeTree", key: ["host", "cgroup_id"], order: "(host, cgroup_id)" },
  devices: {
    engine: "ReplacingMergeTree",
    key: ["host", "dev_maj", "dev_min"],
    order: "(host, dev_maj, dev_min)",
  },
};

function chType(name: string, type: ColumnType, inKey: boolean): string {
  if (type === "TIMESTAMP")
    return `${inKey ? "DateTime64(6, 'UTC')" : "Nullable(DateTime64(6, 'UTC'))"} CODEC(Delta, ZSTD(1))`;
  const base = type === "VARCHAR" ? "String" : type === "INTEGER" ? "Int32" : "Int64";
  if (type === "VARCHAR" && LOW_CARDINALITY.has(name))
    return inKey ? `LowCardinality(String)` : `LowCardinality(Nullable(String))`;
  return inKey ? base : `Nullable(${base})`;
}

export function createTableSql(db: string, table: ShippedTable, ttlDays = 90): string {
  const l = LAYOUT[table];
  const cols = [
    ...(table === DEVICES ? DEVICE_COLUMNS : TABLES[table].columns).map((c) => ({
      name: c.name,
      type: c.type,
    })),
    { name: "host", type: "VARCHAR" as const },
    { name: "service", type: "VARCHAR" as const },
  ];
  const lines = cols.map(
    (c) => `    \`${c.name}\` ${chType(c.name, c.type, l.key.includes(c.name) || NEVER_NULL.has(c.name))}`,
  );
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${table}\n(\n${lines.join(",\n")}\n)`,
    `ENGINE = ${l.engine}`,
    ...(l.partition ? [`PARTITION BY ${l.partition}`] : []),
    `ORDER BY ${l.order}`,
    ...(l.ttl ? [`TTL ${l.ttl.replace("TTL_DAYS", String(Math.floor(ttlDays)))}`] : []),
  ].join("\n");
}

export const DDL_TABLES: ShippedTable[] = [
  "samples",
  "rounds",
  "syscend",
  "iorqend",
  "lathist",
  "kstacks",
  "ustacks",
  "cgroups",
  "devices",
];

/** Every table's DDL, `;`-separated, for docs/fleet.md. */
export function clickhouseDdl(db = "tsnap", ttlDays = 90): string {
  const stmts = [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    ...DDL_TABLES.map((t) => createTableSql(db, t, ttlDays)),
  ];
  return `${stmts.join(";\n\n")};\n`;
}

/**
 * Server-side pieces chDB cannot run (no cluster, no S3Queue), shown in docs/fleet.md and
 * checked there by chDB's parser (EXPLAIN AST): a Distributed table over shards by host, the
 * S3Queue that pulls segments as they arrive, and the materialized view that moves them in.
 */
export function clusterSql(
  db = "tsnap",
  bucketUrl = "https://BUCKET.s3.REGION.amazonaws.com/PREFIX",
): string[] {
  return [
    `CREATE TABLE ${db}.samples_all AS ${db}.samples ENGINE = Distributed('CLUSTER', '${db}', 'samples', cityHash64(host))`,
    `CREATE TABLE ${db}.samples_queue AS ${db}.samples ENGINE = S3Queue('${bucketUrl}/samples/**/*.parquet', 'Parquet') SETTINGS mode = 'ordered', keeper_path = '/clickhouse/s3queue/${db}_samples'`,
    `CREATE MATERIALIZED VIEW ${db}.samples_from_queue TO ${db}.samples AS SELECT * FROM ${db}.samples_queue`,
  ];
}

/** Tables with a per-minute rollup (rollupSql): their rows summed per minute and key. */
export const ROLLED_UP = ["samples", "rounds", "lathist"] as const;
export const ROLLUP_SUFFIX = "_1m";

/**
 * Per-minute rollups for long retention: SummingMergeTree tables fed by materialized views
 * on every INSERT into the raw tables, with the raw tables' column names (`timestamp` the
 * minute's start) so that the fleet's queries read them unchanged: samples per (host,
 * service, state, syscall) with their count (`samples`) and summed weight; rounds per host
 * (covered seconds); lathist per (host, kind, syscall, device, process, bucket) with the
 * counts summed. The raw rows keep `clickhouseDdl`'s TTL (90 days), the rollups
 * `rollupDays`. A view fills its table from INSERTs after it exists: to backfill, INSERT
 * INTO the rollup the view's SELECT over the raw table, once.
 */
export function rollupSql(db = "tsnap", rollupDays = 400): string[] {
  const t = (name: string) => `${db}.${name}${ROLLUP_SUFFIX}`;
  // Columns qualified (s.x) inside, grouped by expressions: an alias named like a column is no cycle.
  const minute = "toDateTime64(toStartOfMinute(s.timestamp), 6, 'UTC')";
  const grouped = (keys: [string, string][], sums: string[], from: string) =>
    `SELECT ${[...keys.map(([e, n]) => `${e} AS ${n}`), ...sums].join(", ")} FROM ${db}.${from} AS s GROUP BY ${keys.map(([e]) => e).join(", ")}`;
  const plain = (...names: string[]): [string, string][] => names.map((n) => [`s.${n}`, n]);
  const table = (name: string, cols: string[], order: string) =>
    `CREATE TABLE IF NOT EXISTS ${t(name)}\n(\n${cols.map((c) => `    ${c}`).join(",\n")}\n)\nENGINE = SummingMergeTree\nPARTITION BY toYYYYMM(timestamp)\nORDER BY ${order}\nTTL toDateTime(timestamp) + INTERVAL ${Math.floor(rollupDays)} DAY DELETE`;
  const view = (name: string, select: string) =>
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t(name)}_mv TO ${t(name)} AS ${select}`;
  const ts = "`timestamp` DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1))";
  const lc = (n: string) => `\`${n}\` LowCardinality(String)`;
  return [
    table(
      "samples",
      [ts, lc("service"), lc("host"), lc("state"), lc("syscall"), "`samples` UInt64", "`weight_us` Int64"],
      "(service, host, timestamp, state, syscall)",
    ),
    view(
      "samples",
      grouped(
        [[minute, "timestamp"], ...plain("service", "host", "state", "syscall")],
        ["count() AS samples", "sum(s.weight_us) AS weight_us"],
        "samples",
      ),
    ),
    table(
      "rounds",
      [ts, lc("service"), lc("host"), "`rounds` UInt64", "`weight_us` Int64"],
      "(service, host, timestamp)",
    ),
    view(
      "rounds",
      grouped(
        [[minute, "timestamp"], ...plain("service", "host")],
        ["count() AS rounds", "sum(s.weight_us) AS weight_us"],
        "rounds",
      ),
    ),
    table(
      "lathist",
      [
        ts,
        lc("service"),
        lc("host"),
        lc("kind"),
        lc("syscall"),
        "`dev_maj` Int64",
        "`dev_min` Int64",
        "`tgid` Int64",
        "`bucket` Int32",
        "`comm` SimpleAggregateFunction(any, Nullable(String))",
        "`count` Int64",
      ],
      "(service, host, kind, timestamp, syscall, dev_maj, dev_min, tgid, bucket)",
    ),
    view(
      "lathist",
      grouped(
        [
          [minute, "timestamp"],
          ...plain("service", "host", "kind"),
          ["ifNull(s.syscall, '')", "syscall"],
          ["ifNull(s.dev_maj, -1)", "dev_maj"],
          ["ifNull(s.dev_min, -1)", "dev_min"],
          ["s.tgid", "tgid"],
          ["ifNull(s.bucket, -1)", "bucket"],
        ],
        ["any(s.comm) AS comm", "sum(s.count) AS count"],
        "lathist",
      ),
    ),
  ];
}

/** The batch load of one table from shipped segments (one INSERT per table per batch of segments). */
export function insertFromS3Sql(db: string, table: ShippedTable, url: string): string {
  return `INSERT INTO ${db}.${table} SELECT * FROM s3('${url}', 'KEY', 'SECRET', 'Parquet')`;
}
