// The -w language: parsed to SQL with every user value bound as a parameter, checked by
// running the SQL in DuckDB against rows whose answer is known.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { Duck } from "./duck.js";
import { parseFilter } from "./filter.js";

const NOW = Date.parse("2026-01-02T12:00:00Z") * 1000;

test("values are bound, never pasted: a quote in a value stays data", () => {
  const f = parseFilter("comm='x'' OR 1=1' OR state=DISK", NOW, NOW);
  assert.doesNotMatch(f.sql, /1=1|DISK|'x/);
  assert.deepEqual(Object.values(f.params), ["x' OR 1=1", "DISK"]);
});

test("filters select exactly the rows the expression describes", async () => {
  const duck = await Duck.open();
  try {
    await duck.run(`CREATE TABLE samples AS SELECT * FROM (VALUES
      (TIMESTAMP '2026-01-02 11:00:00', 'RUN', 'java', 10, 'a b'),
      (TIMESTAMP '2026-01-02 11:30:00', 'DISK', 'fio', 20, NULL),
      (TIMESTAMP '2026-01-02 11:45:00', 'SLEEP', 'java2', 30, 'c')) t(timestamp, state, comm, tid, filename)`);
    const ids = async (w: string) => {
      const f = parseFilter(w, NOW, NOW);
      const rows = await duck.all(`SELECT tid FROM samples s WHERE ${f.sql} ORDER BY tid`, f.params);
      return rows.map((r) => r.tid);
    };
    assert.deepEqual(await ids("state=RUN"), [10]);
    assert.deepEqual(await ids("state!=RUN"), [20, 30]);
    assert.deepEqual(await ids("comm~^java"), [10, 30]);
    assert.deepEqual(await ids("comm!~^java AND tid>=20"), [20]);
    assert.deepEqual(await ids("NOT (state=RUN OR state=DISK)"), [30]);
    assert.deepEqual(await ids("tid>10 AND tid<30 OR comm=java"), [10, 20]);
    assert.deepEqual(await ids("filename='a b'"), [10]);
    assert.deepEqual(await ids("filename!=c"), [10, 20]); // NULL is "not c"
    assert.deepEqual(await ids("timestamp>=11:30"), [20, 30]);
    assert.deepEqual(await ids("timestamp<-20m"), [10, 20]); // before 11:40, 20 min before the end (12:00)
  } finally {
    duck.close();
  }
});

test("bad filters are one clear UsageError naming -w", () => {
  for (const [w, re] of [
    ["state", /expected an operator/],
    ["state=", /expected a value/],
    ["nosuchcol=1", /unknown column 'nosuchcol'/],
    ["tid=abc", /tid is a number column/],
    ["comm~'('", /bad regular expression/],
    ["(state=RUN", /missing '\)'/],
    ["state=RUN extra", /expected an operator|unexpected/],
    ["comm='open", /unterminated quote/],
    ["timestamp>yesterday", /bad time 'yesterday'/],
  ] as const) {
    assert.throws(
      () => parseFilter(w, NOW, NOW),
      (e: unknown) => e instanceof UsageError && /-w/.test(e.message) && re.test(e.message),
      w,
    );
  }
});

test("-w: hostile sizes are one usage error, not a stack overflow", () => {
  const deep = `${"(".repeat(20_000)}state=RUN${")".repeat(20_000)}`;
  assert.throws(() => parseFilter(deep, 0, 0), /^UsageError: -w: nested more than 100 deep/);
  const nots = `${"NOT ".repeat(5_000)}state=RUN`;
  assert.throws(() => parseFilter(nots, 0, 0), /nested more than 100 deep/);
  assert.throws(
    () => parseFilter(`comm~${"a".repeat(5000)}`, 0, 0),
    /regular expression of 5000 characters is too long/,
  );
  assert.throws(() => parseFilter(`${"state=RUN OR ".repeat(6000)}state=RUN`, 0, 0), /too long/);
  // Moderate nesting still works.
  const ok = parseFilter(`${"(".repeat(50)}tid=1${")".repeat(50)}`, 0, 0);
  assert.equal(Object.values(ok.params)[0], "1");
  assert.throws(() => parseFilter("tid=0x10", 0, 0), /tid is a number column, got '0x10'/);
});
