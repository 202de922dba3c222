// Benchmark of fleet queries in chDB: a synthetic fleet (--hosts hosts × 1 h at 1 Hz,
// --threads sampled threads per second per host, the states and syscalls of a busy server)
// written as shipped segments (the mirror layout of docs/fleet.md) with DuckDB, then
//   - the fleet group-by (state, syscall) over 5 minutes and over the hour, straight from
//     the Parquet segments (tsnap fleet's SQL) and from MergeTree tables (docs/fleet.md's DDL);
//   - the rows the engine read for them (format JSON's statistics.rows_read) against the
//     window's rows, and the same group-by over the per-minute rollups (rollupSql);
//   - ingest: the documented batch INSERT of every segment into MergeTree, rows/s, and the
//     stored bytes per sample (system.parts after OPTIMIZE FINAL).
// Prints min and median of --runs runs.
//   node dist/bench/fleet-query.js [--hosts 100] [--threads 20] [--runs 5]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { loadChdb } from "../src/fleet/chdb.js";
import { clickhouseDdl, rollupSql } from "../src/fleet/clickhouse-ddl.js";
import { type FleetQuery, fleetColumn, fleetSql, tableTarget } from "../src/fleet/fleet-query.js";
import { TABLES, type TableName } from "../src/store/schema.js";

const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "100" },
    threads: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
  },
});
const hosts = Number(values.hosts);
const threads = Number(values.threads);
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), "tsnap-fleet-bench-"));
const t0Us = Date.parse("2026-01-02T04:00:00Z") * 1000;

// Synthetic rows: every column of the schema, the ones a busy server fills filled.
const FILL: Record<string, string> = {
  timestamp: "make_timestamp(CAST($t0 + s * 1000000 AS BIGINT))",
  weight_us: "1000000",
  tid: "1000 + th",
  tgid: "1000 + th // 4",
  state: "['RUN', 'RUNQ', 'DISK', 'SLEEP', 'SLEEP', 'SLEEP'][1 + (th + s) % 6]",
  syscall:
    "CASE WHEN (th + s) % 6 = 0 THEN NULL ELSE ['read', 'pread64', 'futex', 'epoll_wait', 'write'][1 + (th * 7 + s) % 5] END",
  comm: "'worker' || (th % 8)",
  username: "'app'",
  exe: "'/usr/bin/app'",
  wchan: "CASE WHEN (th + s) % 6 >= 3 THEN 'do_epoll_wait' ELSE NULL END",
  cpu: "CAST(th % 2 AS INTEGER)",
  sysc_seq_num: "s * 10 + th",
};
function selectSql(table: TableName, host: string): string {
  const cols = TABLES[table].columns.map((c) => `${FILL[c.name] ?? "NULL"}::${c.type} AS "${c.name}"`);
  return `SELECT ${cols.join(", ")}, '${host}' AS host, 'api' AS service`;
}

async function write(): Promise<number> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  let rows = 0;
  for (let h = 0; h < hosts; h++) {
    const host = `h${String(h).padStart(4, "0")}`;
    for (const table of ["samples", "rounds"] as const) {
      const d = join(dir, table, "dt=2026-01-02", "hour=04", `host=${host}`);
      mkdirSync(d, { recursive: true });
      const from =
        table === "samples"
          ? `FROM range(3600) r(s), range(${threads}) t(th)`
          : "FROM range(3600) r(s), (SELECT 0 AS th)";
      await conn.run(
        `COPY (${selectSql(table, host)} ${from} ORDER BY timestamp) TO '${d}/seg.parquet' (FORMAT parquet, COMPRESSION zstd)`,
        { t0: t0Us },
      );
    }
    rows += 3600 * threads;
  }
  conn.closeSync();
  db.closeSync();
  return rows;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0].toFixed(0)} ms, median ${s[Math.floor(s.length / 2)].toFixed(0)} ms`;
};

const ch = await loadChdb();
const tw = performance.now();
const rows = await write();
console.log(
  `fleet: ${hosts} hosts × 1 h × ${threads} threads/s = ${rows} samples written in ${((performance.now() - tw) / 1000).toFixed(1)} s (${dir})`,
);

async function time(label: string, q: { sql: string; params: Record<string, unknown> }) {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await ch.queryBindAsync(q.sql, q.params, { format: "JSONEachRow" });
    ms.push(performance.now() - t);
  }
  console.log(`${label}: ${stats(ms)}`);
}

const groups = [fleetColumn("state", "-g"), fleetColumn("syscall", "-g")];
const q = (minutes: number): FleetQuery => ({
  groups,
  filters: [],
  fromUs: t0Us + 20 * 60e6,
  toUs: t0Us + (20 + minutes) * 60e6,
  limit: 0,
});
const mirror = { kind: "dir" as const, dir };
await time("segments (Parquet), 5 min group-by", fleetSql(q(5), mirror));
await time(
  "segments (Parquet), 1 h group-by  ",
  fleetSql({ ...q(60), fromUs: t0Us, toUs: t0Us + 3600e6 }, mirror),
);

// Ingest into the documented MergeTree tables, then the same queries over them.
const db = `bench_${process.pid}`;
for (const stmt of clickhouseDdl(db, 3650)
  .split(";\n")
  .filter((x) => x.trim()))
  await ch.queryBindAsync(stmt, {});
// The per-minute rollups' views first: the INSERTs below feed them.
for (const stmt of rollupSql(db)) await ch.queryBindAsync(stmt, {});
const ti = performance.now();
await ch.queryBindAsync(`INSERT INTO ${db}.samples SELECT * FROM file({p:String}, 'Parquet')`, {
  p: `${dir}/samples/**/*.parquet`,
});
const insertS = (performance.now() - ti) / 1000;
await ch.queryBindAsync(`INSERT INTO ${db}.rounds SELECT * FROM file({p:String}, 'Parquet')`, {
  p: `${dir}/rounds/**/*.parquet`,
});
await ch.queryBindAsync(`OPTIMIZE TABLE ${db}.samples FINAL`, {});
const parts = JSON.parse(
  (
    await ch.queryBindAsync(
      `SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = {db:String} AND table = 'samples' AND active`,
      { db },
      { format: "JSONEachRow" },
    )
  ).text(),
);
console.log(
  `ingest: ${rows} samples in ${insertS.toFixed(1)} s (${Math.round(rows / insertS)} rows/s, one INSERT), stored ${(Number(parts.bytes) / Number(parts.rows)).toFixed(2)} bytes per sample`,
);
const tables = tableTarget(db);
await time("MergeTree, 5 min group-by         ", fleetSql(q(5), tables));
await time(
  "MergeTree, 1 h group-by           ",
  fleetSql({ ...q(60), fromUs: t0Us, toUs: t0Us + 3600e6 }, tables),
);
// What the engine read (format JSON's statistics.rows_read) against the window's rows.
async function rowsRead(
  label: string,
  q: { sql: string; params: Record<string, unknown> },
  windowRows: number,
) {
  const out = JSON.parse((await ch.queryBindAsync(q.sql, q.params, { format: "JSON" })).text());
  const read = Number(out.statistics.rows_read);
  console.log(
    `${label}: read ${read} rows for a window of ${windowRows} rows (${(read / windowRows).toFixed(2)}×)`,
  );
}
const windowRows = (minutes: number) => minutes * 60 * hosts * (threads + 1); // samples + rounds
await rowsRead("MergeTree, 5 min group-by         ", fleetSql(q(5), tables), windowRows(5));
await rowsRead(
  "MergeTree, 1 h group-by           ",
  fleetSql({ ...q(60), fromUs: t0Us, toUs: t0Us + 3600e6 }, tables),
  windowRows(60),
);
const rollups = tableTarget(db, true);
await time("per-minute rollups, 5 min group-by", fleetSql(q(5), rollups));
await time(
  "per-minute rollups, 1 h group-by  ",
  fleetSql({ ...q(60), fromUs: t0Us, toUs: t0Us + 3600e6 }, rollups),
);
await rowsRead("per-minute rollups, 5 min group-by", fleetSql(q(5), rollups), windowRows(5));
await ch.queryBindAsync(`DROP DATABASE ${db}`, {});
rmSync(dir, { recursive: true, force: true });
