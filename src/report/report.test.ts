import assert from "node:assert/strict";
import { test } from "node:test";
import { starDigits } from "../model/derived-columns.js";
import { blankSample, type ThreadState } from "../model/sample.js";
import { Aggregator } from "./aggregate.js";
import { needsOf, resolveColumns, stackDisplay } from "./columns.js";
import { renderCsv, renderTable, toJson } from "./table.js";

function sample(tid: number, comm: string, state: ThreadState, syscall = "-") {
  const s = blankSample(0, 50_000, tid, 100);
  s.comm = comm;
  s.state = state;
  s.syscall = syscall;
  return s;
}

test("Aggregator: avg_threads is samples per round, rows sorted by samples", () => {
  const agg = new Aggregator(resolveColumns(["state"]));
  // 4 rounds: 2 threads always RUN, 1 thread DISK in one round only.
  for (let r = 0; r < 4; r++) {
    const round = [sample(1, "a", "RUN"), sample(2, "b", "RUN")];
    if (r === 0) round.push(sample(3, "c", "DISK"));
    agg.addRound(round);
  }
  const rows = agg.rows();
  assert.equal(agg.rounds, 4);
  assert.deepEqual(
    rows.map((r) => [r.values[0], r.samples, r.avg_threads]),
    [
      ["RUN", 8, 2],
      ["DISK", 1, 0.25],
    ],
  );
  assert.equal(agg.rows(1).length, 1);
});

test("Aggregator counts an empty round in the denominator", () => {
  const agg = new Aggregator(resolveColumns(["comm"]));
  agg.addRound([sample(1, "x", "RUN")]);
  agg.addRound([]);
  assert.equal(agg.rows()[0].avg_threads, 0.5);
});

test("resolveColumns rejects unknown names with a hint; needsOf collects reads", () => {
  assert.throws(() => resolveColumns(["state", "syscal"]), /unknown column 'syscal'; did you mean syscall/);
  const needs = needsOf(resolveColumns(["comm", "filenamesum", "wchan"]));
  assert.deepEqual([...needs].sort(), ["filename", "wchan"]);
});

test("computed columns: comm2 and kstack display", () => {
  assert.equal(starDigits("kworker/1:2H-events"), "kworker/*:*H-events");
  assert.equal(
    stackDisplay("schedule+0x27;do_nanosleep+0x5a;hrtimer_nanosleep+0x8c"),
    "schedule<-do_nanosleep<-hrtimer_nanosleep",
  );
  assert.equal(stackDisplay(null), null);
  // A stack wider than a table cell loses root frames, never the leaf.
  const deep = Array.from({ length: 40 }, (_, i) => `frame_number_${i}+0x1`).join(";");
  const cell = renderTable(["kstack"], [[stackDisplay(deep)]], { maxCellWidth: 200 })
    .split("\n")[2]
    .trim();
  assert.ok(cell.startsWith("frame_number_0<-frame_number_1<-"), cell);
  assert.ok(cell.endsWith("…") && cell.length === 200, cell);
});

test("renderTable right-aligns numbers, fixes decimals where asked, shows null as -", () => {
  const text = renderTable(
    ["samples", "avg_threads", "comm"],
    [
      [100, 5, "java"],
      [7, 0.35, null],
    ],
    { fixedDecimals: [1] },
  );
  assert.deepEqual(text.split("\n"), [
    " samples | avg_threads | comm",
    "---------+-------------+------",
    "     100 |        5.00 | java",
    "       7 |        0.35 | -",
    "",
  ]);
});

test("renderCsv quotes commas, quotes and newlines", () => {
  assert.equal(renderCsv(["a", "b"], [["x,y", 'say "hi"']]), 'a,b\n"x,y","say ""hi"""\n');
});

test("toJson writes bigints as numbers when safe, else as strings", () => {
  assert.equal(toJson({ a: 5n, b: 2n ** 63n }), '{"a":5,"b":"9223372036854775808"}');
});
