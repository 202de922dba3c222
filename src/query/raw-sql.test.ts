// `tsnap query --sql` is read-only for real: every escape an attacker tried (files
// written, files read, settings, extensions, other databases, the network) is refused
// with one line and exit 2, and the side effect did not happen. Then the second lock on
// its own: DuckDB itself, locked down by Duck.lockDown, refuses the same escapes even
// when the statement check is bypassed, while the views still read the capture files.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../testkit/cli.js";
import { writeSyntheticHour } from "../testkit/synthetic-hour.js";
import { Duck } from "./duck.js";

let root = "";
let cap = "";
let out = "";
let secretPq = "";
const SECRET = "tsnap-secret-7f3a";

before(async () => {
  root = mkdtempSync(join(tmpdir(), "tsnap-sql-"));
  cap = join(root, "cap");
  out = join(root, "out");
  mkdirSync(cap);
  mkdirSync(out);
  writeSyntheticHour(cap, "2026-01-01.00", 5, 10);
  // A Parquet file outside the capture directory holding a secret.
  secretPq = join(root, "secret.parquet");
  const duck = await Duck.open();
  try {
    await duck.run(`COPY (SELECT '${SECRET}' AS s) TO '${secretPq}' (FORMAT parquet)`);
  } finally {
    duck.close();
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Each escape, and a check that its side effect did not happen (beyond no output). */
function escapes(): [string, () => void][] {
  const none = (p: string) => () => assert.ok(!existsSync(p), `${p} was written`);
  return [
    [
      `EXPLAIN ANALYZE COPY (SELECT '* * * * * root touch ${out}/x' l) TO '${out}/cron' (HEADER false, QUOTE '')`,
      none(join(out, "cron")),
    ],
    [`COPY (SELECT 1) TO '${out}/copy.csv'`, none(join(out, "copy.csv"))],
    [`COPY samples TO '${out}/samples.csv'`, none(join(out, "samples.csv"))],
    ["SELECT content FROM read_text('/etc/passwd')", () => {}],
    ["SELECT * FROM read_csv('/etc/passwd')", () => {}],
    ["SELECT * FROM read_csv_auto('/etc/passwd')", () => {}],
    ["SELECT * FROM '/etc/passwd'", () => {}],
    ["SELECT content FROM read_blob('/etc/passwd')", () => {}],
    ["SELECT * FROM glob('/etc/*')", () => {}],
    [`SELECT * FROM read_parquet('${secretPq}')`, () => {}],
    [`SELECT (SELECT s FROM '${secretPq}') AS s FROM samples LIMIT 1`, () => {}],
    ["PRAGMA database_list", () => {}],
    ["SET threads = 1", () => {}],
    ["RESET threads", () => {}],
    ["INSTALL httpfs", () => {}],
    ["LOAD httpfs", () => {}],
    [`ATTACH '${out}/a.db' AS a`, none(join(out, "a.db"))],
    ["CALL pragma_version()", () => {}],
    ["CREATE TABLE t AS SELECT 1", () => {}],
    ["INSERT INTO partitions VALUES (1, 1, 'x')", () => {}],
    [`SELECT 1; COPY (SELECT 1) TO '${out}/multi.csv'`, none(join(out, "multi.csv"))],
    ["SELECT current_setting('temp_directory')", () => {}],
    ["SELECT * FROM duckdb_settings()", () => {}],
    ["SELECT * FROM system.main.duckdb_settings", () => {}],
    ["SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')", () => {}],
    [`SELECT * FROM query('COPY (SELECT 1) TO ''${out}/q.csv''')`, none(join(out, "q.csv"))],
    [`EXPORT DATABASE '${out}/export'`, none(join(out, "export"))],
  ];
}

test("--sql: every escape is refused with one line and exit 2, and nothing happened", async () => {
  const passwdHead = readFileSync("/etc/passwd", "utf8").split("\n")[0];
  for (const [sql, noSideEffect] of escapes()) {
    const r = await runCli(["query", cap, "--sql", sql, "--format", "csv"]);
    assert.equal(r.code, 2, `${sql}: ${r.stderr}`);
    assert.match(r.stderr, /^tsnap: --sql: /, sql);
    assert.equal(r.stderr.trim().split("\n").length, 1, `${sql}: ${r.stderr}`);
    assert.equal(r.stdout, "", sql);
    assert.ok(!r.stderr.includes(passwdHead) && !r.stderr.includes(SECRET), `${sql} leaked: ${r.stderr}`);
    noSideEffect();
  }
});

test("--sql: SELECT, CTEs, joins of views, range() and EXPLAIN still work", async () => {
  const cases: [string, RegExp][] = [
    ["SELECT count(*) AS n FROM samples", /^n\n50\n$/],
    [
      "WITH s AS (SELECT DISTINCT timestamp FROM samples) SELECT count(*) AS n FROM s JOIN rounds USING (timestamp)",
      /^n\n10\n$/,
    ],
    ["SELECT sum(range) AS n FROM range(4)", /^n\n6\n$/],
    ["EXPLAIN SELECT count(*) FROM samples", /physical_plan/],
  ];
  for (const [sql, re] of cases) {
    const r = await runCli(["query", cap, "--sql", sql, "--format", "csv"]);
    assert.equal(r.code, 0, `${sql}: ${r.stderr}`);
    assert.match(r.stdout, re, sql);
  }
});

test("lockDown alone: DuckDB refuses file, extension, attach and setting access; the views still read", async () => {
  const duck = await Duck.open();
  try {
    const csv = join(cap, "tsnap_samples_2026-01-01.00.csv");
    await duck.run(`CREATE VIEW v AS SELECT * FROM read_csv('${csv}')`);
    await duck.lockDown([csv]);
    assert.deepEqual(await duck.all("SELECT count(*) AS n FROM v"), [{ n: 50 }]);
    for (const sql of [
      `COPY (SELECT 1) TO '${out}/direct.csv'`,
      `EXPLAIN ANALYZE COPY (SELECT 1) TO '${out}/direct2.csv'`,
      "SELECT * FROM read_text('/etc/passwd')",
      "SELECT * FROM glob('/etc/*')",
      `SELECT * FROM read_parquet('${secretPq}')`,
      `ATTACH '${out}/direct.db'`,
      "INSTALL httpfs",
      "LOAD httpfs",
      "SET enable_external_access = true",
      "SET lock_configuration = false",
      "RESET allowed_paths",
    ]) {
      await assert.rejects(duck.all(sql), /Permission Error|locked|disabled/, sql);
    }
    for (const f of ["direct.csv", "direct2.csv", "direct.db"]) assert.ok(!existsSync(join(out, f)), f);
  } finally {
    duck.close();
  }
});
