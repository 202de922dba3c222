// The output layer: every format of the same rows says the same thing (JSON, NDJSON and
// CSV parsed back give the rows declared), and a table fits the width it is given.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatRows, OUTPUT_FORMATS, type Rowset, windowFrame } from "./output.js";

const ROWS: Rowset = {
  columns: [{ name: "samples" }, { name: "avg_threads", fixedDecimals: true }, { name: "cmdline" }],
  rows: [
    [
      40,
      2,
      "/usr/bin/postgres -D /var/lib/postgresql/15/main -c config_file=/etc/postgresql/15/main/postgresql.conf",
    ],
    [3, 0.15, 'say "hi", then, go'],
    [1, 0.05, null],
  ],
};
const asObjects = ROWS.rows.map((r) => ({ samples: r[0], avg_threads: r[1], cmdline: r[2] }));

test("json, ndjson and csv of the same rows parse back to the rows declared", () => {
  assert.deepEqual(JSON.parse(formatRows("json", ROWS)), asObjects);
  const lines = formatRows("ndjson", ROWS).trimEnd().split("\n");
  assert.equal(lines.length, ROWS.rows.length);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    asObjects,
  );
  const csv = formatRows("csv", ROWS);
  assert.equal(csv.split("\n")[0], "samples,avg_threads,cmdline");
  assert.ok(csv.includes('"say ""hi"", then, go"'), csv);
  assert.ok(csv.endsWith("1,0.05,\n"));
  for (const f of OUTPUT_FORMATS) assert.ok(formatRows(f, ROWS).endsWith("\n"), f);
});

test("a table fits the terminal width by cutting the widest text column, and numbers stay whole", () => {
  const wide = formatRows("table", ROWS);
  assert.ok(Math.max(...wide.split("\n").map((l) => l.length)) > 100);
  const narrow = formatRows("table", ROWS, { width: 60 });
  const lines = narrow.trimEnd().split("\n");
  for (const l of lines) assert.ok(l.length <= 60, `${l.length}: ${l}`);
  assert.match(lines[2], /^\s+40 \|\s+2\.00 \| \/usr\/bin\/postgres -D .*…$/);
  // Nothing can shrink below the numbers: the lines stay whole rather than lose digits.
  const tiny = formatRows("table", ROWS, { width: 10 }).split("\n")[2];
  assert.match(tiny, /^\s+40 \|\s+2\.00 \| /);
});

test("repeated windows are framed by the output layer: a clear only on a terminal, only for tables", () => {
  const at = Date.parse("2026-12-01T21:00:00Z");
  assert.equal(windowFrame("table", true, at), "\x1b[H\x1b[2J2026-12-01T21:00:00.000Z");
  assert.equal(windowFrame("table", false, at), "2026-12-01T21:00:00.000Z");
  assert.equal(windowFrame("json", true, at), "");
});
