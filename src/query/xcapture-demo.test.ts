// tsnap query over the real 0x.tools xcapture v3 demo hour must equal reference SQL
// written here by hand and run directly in DuckDB over the same files.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../testkit/cli.js";
import { REPO_ROOT } from "../testkit/workloads.js";
import { Duck } from "./duck.js";

const DEMO = join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo");
const skip = existsSync(DEMO) ? false : `demo data not found at ${DEMO}`;
const SAMPLES = `read_parquet('${DEMO}/xcapture_samples_*.parquet')`;
const SYSCEND = `read_parquet('${DEMO}/xcapture_syscend_*.parquet')`;
const IORQEND = `read_parquet('${DEMO}/xcapture_iorqend_*.parquet')`;
// Device names straight from the partitions file, the way xtop does it.
const PARTS = `(SELECT list_extract(f, 1)::INT AS maj, list_extract(f, 2)::INT AS mn, trim(list_extract(f, 4)) AS dev
  FROM (SELECT regexp_extract_all(column0, ' +(\\w+)') AS f FROM read_csv('${DEMO}/partitions', skip = 1, header = false, delim = '|'))
  WHERE len(f) = 4)`;

type Rec = Record<string, unknown>;

async function reference(sql: string): Promise<Rec[]> {
  const duck = await Duck.open();
  try {
    // Parquet column names are upper-case in xcapture files; compare case-insensitively.
    return (await duck.all(sql)).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])),
    );
  } finally {
    duck.close();
  }
}

async function queryJson(args: string[]): Promise<{ rows: Rec[]; window: Rec }> {
  const r = await runCli(["query", DEMO, "--format", "json", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function byKey(rows: Rec[], keys: string[]): Map<string, Rec> {
  return new Map(rows.map((r) => [keys.map((k) => String(r[k] ?? null)).join("|"), r]));
}

function assertClose(actual: unknown, expected: unknown, what: string): void {
  if (expected === null || expected === undefined) {
    assert.ok(actual === null || actual === undefined, `${what}: expected null, got ${actual}`);
    return;
  }
  const a = Number(actual);
  const e = Number(expected);
  assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${what}: ${a} != ${e}`);
}

function compare(ours: Rec[], ref: Rec[], keys: string[], fields: string[]): void {
  assert.equal(ours.length, ref.length, "number of groups");
  const mine = byKey(ours, keys);
  for (const [k, r] of byKey(ref, keys)) {
    const m = mine.get(k);
    assert.ok(m, `group ${k} missing`);
    for (const f of fields) assertClose(m[f], r[f], `${k} ${f}`);
  }
}

test("state,syscall: avg_threads and event-weighted syscall latency equal hand-written SQL", {
  skip,
}, async () => {
  const ref = await reference(`
    WITH s AS (SELECT * FROM ${SAMPLES}),
    secs AS (SELECT count(DISTINCT timestamp) * 1.0 AS n FROM s),
    g AS (SELECT state, syscall, count(*) AS samples, sum(weight_us) / 1e6 / (SELECT n FROM secs) AS avg_threads FROM s GROUP BY state, syscall),
    ev AS (SELECT DISTINCT s.state, s.syscall, e.tid, e.sysc_seq_num, e.duration_ns
           FROM s JOIN ${SYSCEND} e ON e.tid = s.tid AND e.sysc_seq_num = s.sysc_seq_num),
    l AS (SELECT state, syscall, count(*) AS sc_n, min(duration_ns) / 1000 AS sc_min_us, avg(duration_ns) / 1000 AS sc_avg_us,
                 quantile_cont(duration_ns, 0.5) / 1000 AS sc_p50_us, quantile_cont(duration_ns, 0.95) / 1000 AS sc_p95_us,
                 quantile_cont(duration_ns, 0.99) / 1000 AS sc_p99_us, max(duration_ns) / 1000 AS sc_max_us
          FROM ev GROUP BY state, syscall)
    SELECT g.*, coalesce(l.sc_n, 0) AS sc_n, l.* EXCLUDE (state, syscall, sc_n)
    FROM g LEFT JOIN l ON g.state IS NOT DISTINCT FROM l.state AND g.syscall IS NOT DISTINCT FROM l.syscall`);
  const ours = await queryJson(["-g", "state,syscall", "--limit", "0"]);
  assert.equal(ours.window.covered_seconds, 3600);
  const lat = ["sc_n", "sc_min_us", "sc_avg_us", "sc_p50_us", "sc_p95_us", "sc_p99_us", "sc_max_us"];
  compare(ours.rows, ref, ["state", "syscall"], ["samples", "avg_threads", ...lat]);
  // Sanity of the truth itself: the hour holds 27.52 threads on average.
  const total = ref.reduce((a, r) => a + Number(r.avg_threads), 0);
  assert.ok(Math.abs(total - 27.524) < 0.001, `total ${total}`);
});

test("state,syscall with --weight sample equals the per-sample (xtop) estimate", { skip }, async () => {
  const ref = await reference(`
    SELECT s.state, s.syscall, count(e.duration_ns) AS sc_n, quantile_cont(e.duration_ns, 0.95) / 1000 AS sc_p95_us,
           avg(e.duration_ns) / 1000 AS sc_avg_us
    FROM ${SAMPLES} s LEFT JOIN ${SYSCEND} e ON e.tid = s.tid AND e.sysc_seq_num = s.sysc_seq_num
    GROUP BY ALL`);
  const ours = await queryJson(["-g", "state,syscall", "--weight", "sample", "--limit", "0"]);
  compare(ours.rows, ref, ["state", "syscall"], ["sc_n", "sc_p95_us", "sc_avg_us"]);
});

test("devname: avg_threads and I/O latency percentiles equal hand-written SQL", { skip }, async () => {
  const ref = await reference(`
    WITH s AS (SELECT * FROM ${SAMPLES}),
    j AS (SELECT s.*, io.insert_tid, io.iorq_seq_num AS io_seq, io.duration_ns, p.dev
          FROM s LEFT JOIN ${IORQEND} io ON io.insert_tid = s.tid AND io.iorq_seq_num = s.iorq_seq_num
          LEFT JOIN ${PARTS} p ON p.maj = io.dev_maj AND p.mn = io.dev_min),
    g AS (SELECT dev AS devname, count(*) AS samples, sum(weight_us) / 1e6 / 3600 AS avg_threads FROM j GROUP BY dev),
    ev AS (SELECT DISTINCT dev, insert_tid, io_seq, duration_ns FROM j WHERE duration_ns IS NOT NULL),
    l AS (SELECT dev AS devname, count(*) AS io_n, quantile_cont(duration_ns, 0.5) / 1000 AS io_p50_us,
                 quantile_cont(duration_ns, 0.95) / 1000 AS io_p95_us, quantile_cont(duration_ns, 0.99) / 1000 AS io_p99_us,
                 max(duration_ns) / 1000 AS io_max_us
          FROM ev GROUP BY dev)
    SELECT g.*, coalesce(l.io_n, 0) AS io_n, l.* EXCLUDE (devname, io_n) FROM g LEFT JOIN l ON g.devname IS NOT DISTINCT FROM l.devname`);
  const ours = await queryJson(["-g", "devname", "--limit", "0"]);
  compare(
    ours.rows,
    ref,
    ["devname"],
    ["samples", "avg_threads", "io_n", "io_p50_us", "io_p95_us", "io_p99_us", "io_max_us"],
  );
  assert.ok(
    ref.some((r) => r.devname === "sdc"),
    "the demo hour has I/O on sdc",
  );
});

test("a -w filter and a --from/--to window equal the same SQL with literal values", { skip }, async () => {
  const ref = await reference(`
    WITH s AS (SELECT * FROM ${SAMPLES} WHERE timestamp >= TIMESTAMP '2025-09-05 13:10:00' AND timestamp < TIMESTAMP '2025-09-05 13:20:00'),
    secs AS (SELECT count(DISTINCT timestamp) * 1.0 AS n FROM s)
    SELECT regexp_replace(comm, '[0-9]+', '*', 'g') AS comm2, count(*) AS samples, sum(weight_us) / 1e6 / (SELECT n FROM secs) AS avg_threads
    FROM s WHERE (state = 'DISK' OR state = 'RUN') AND comm NOT LIKE 'java%' GROUP BY 1`);
  const ours = await queryJson([
    "-g",
    "comm2",
    "--from",
    "13:10",
    "--to",
    "2025-09-05T13:20:00",
    "-w",
    "(state=DISK OR state=RUN) AND comm!~^java",
  ]);
  assert.equal(ours.window.covered_seconds, 600);
  compare(ours.rows, ref, ["comm2"], ["samples", "avg_threads"]);
  // Both ends absolute: only files of nearby hours are opened; the answer is the same.
  const pruned = await queryJson([
    "-g",
    "comm2",
    "--from",
    "2025-09-05 13:10",
    "--to",
    "2025-09-05T13:20",
    "-w",
    "(state=DISK OR state=RUN) AND comm!~^java",
  ]);
  compare(pruned.rows, ref, ["comm2"], ["samples", "avg_threads"]);
});

test("kstack_current_func resolves what the dictionaries have and reports the rest as unresolved", {
  skip,
}, async () => {
  const ref = await reference(`
    WITH k AS (SELECT DISTINCT kstack_hash, kstack_syms FROM read_parquet('${DEMO}/xcapture_kstacks_*.parquet'))
    SELECT CASE WHEN s.kstack_hash = '0' THEN NULL WHEN k.kstack_syms IS NULL THEN '(unresolved)'
                ELSE regexp_replace(split_part(k.kstack_syms, ';', 1), '\\+0x.*$', '') END AS kstack_current_func, count(*) AS samples
    FROM ${SAMPLES} s LEFT JOIN k ON k.kstack_hash = s.kstack_hash GROUP BY 1`);
  const ours = await queryJson(["-g", "kstack_current_func", "--limit", "0"]);
  compare(ours.rows, ref, ["kstack_current_func"], ["samples"]);
  const unresolved = ref.find((r) => r.kstack_current_func === "(unresolved)");
  assert.equal(
    Number(unresolved?.samples),
    48333,
    "the demo's samples whose kernel stack its file cannot resolve",
  );
});

test("time buckets: avg_threads of each bucket is over the seconds covered in that bucket", {
  skip,
}, async () => {
  const ref = await reference(`
    WITH s AS (SELECT * FROM ${SAMPLES}),
    cov AS (SELECT time_bucket(INTERVAL 10 MINUTE, timestamp) AS b, count(DISTINCT timestamp) AS secs FROM s GROUP BY 1)
    SELECT strftime(time_bucket(INTERVAL 10 MINUTE, s.timestamp), '%Y-%m-%d %H:%M:%S') AS time_10m, s.state, count(*) AS samples,
           sum(weight_us) / 1e6 / any_value(cov.secs) AS avg_threads
    FROM s JOIN cov ON cov.b = time_bucket(INTERVAL 10 MINUTE, s.timestamp) GROUP BY 1, 2`);
  const ours = await queryJson(["-g", "time_10m,state", "--limit", "0"]);
  for (const r of ours.rows) r.time_10m = String(r.time_10m).slice(0, 19);
  compare(ours.rows, ref, ["time_10m", "state"], ["samples", "avg_threads"]);
  assert.equal(new Set(ref.map((r) => r.time_10m)).size, 6);
});

test("a window wider than the data does not dilute avg_threads (divided by covered seconds)", {
  skip,
}, async () => {
  const ref = await reference(
    `SELECT sum(weight_us) / 1e6 / count(DISTINCT timestamp) AS total FROM ${SAMPLES}`,
  );
  const ours = await queryJson(["-g", "state", "--from", "2025-09-05T12:15", "--to", "2025-09-05T14:00"]);
  assert.equal(ours.window.covered_seconds, 3600);
  const total = ours.rows.reduce((a, r) => a + Number(r.avg_threads), 0);
  assertClose(total, ref[0].total, "total avg_threads");
});
