// The navigation model on a fixture table: drill, include/exclude, back, reorder, sort,
// pickers, zoom, the -w text (checked by the real filter parser) and the URL round trip.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFilter } from "../query/filter.js";
import {
  openColumnPicker,
  openValuePicker,
  pickerAccept,
  pickerToggle,
  pickerType,
  visibleItems,
} from "./view-picker.js";
import { filterText, queryArgs, queryCommand } from "./view-query.js";
import {
  displayTable,
  drill,
  goBack,
  initialState,
  moveCursor,
  moveGroup,
  sortByCursor,
  type Table,
  toggleFilter,
  type UiState,
} from "./view-state.js";
import { viewFromQuery, viewToQuery } from "./view-url.js";
import { bucketSeconds, effectiveWindow, zoom, zoomWindow } from "./view-window.js";

const ROWS = [
  { state: "SLEEP", syscall: "read", samples: 467, avg_threads: 12.97 },
  { state: "DISK", syscall: "pread64", samples: 452, avg_threads: 12.57 },
  { state: "RUN", syscall: null, samples: 29, avg_threads: 0.81 },
];

function table(s: UiState): Table {
  return displayTable(s.view, ["samples", "avg_threads", ...s.view.groups], ROWS);
}

/** The cursor on `column` of row `row`. */
function at(s: UiState, row: number, column: string): UiState {
  return { ...s, cursor: { row, col: table(s).columns.indexOf(column) } };
}

test("the table shows avg_threads, samples, then the group columns in the view's order", () => {
  const s = initialState();
  assert.deepEqual(table(s).columns, ["avg_threads", "samples", "state", "syscall"]);
  const sorted = displayTable({ ...s.view, sort: { column: "samples", desc: false } }, ["samples"], ROWS);
  assert.deepEqual(
    sorted.rows.map((r) => r.samples),
    [29, 452, 467],
  );
});

test("Enter drills into a cell: keeps its value, groups by the other columns; Backspace returns exactly", () => {
  const s0 = at(initialState(), 1, "state");
  const s1 = drill(s0, table(s0));
  assert.deepEqual(s1.view.filters, [{ column: "state", op: "=", value: "DISK" }]);
  assert.deepEqual(s1.view.groups, ["syscall"]);
  // Drilling into the last group column groups by the next useful one.
  const s2 = drill(at(s1, 0, "syscall"), table(s1));
  assert.deepEqual(s2.view.groups, ["comm2"]);
  assert.equal(s2.back.length, 2);
  const b1 = goBack(s2);
  assert.deepEqual(b1.view, s1.view);
  assert.deepEqual(goBack(b1).view, s0.view);
  assert.match(goBack(goBack(b1)).status, /first view/);
});

test("Enter or Space on a measure or an empty cell says why and changes nothing", () => {
  const s0 = initialState();
  const onMeasure = drill(at(s0, 0, "avg_threads"), table(s0));
  assert.deepEqual(onMeasure.view, s0.view);
  assert.match(onMeasure.status, /measure/);
  const onNull = toggleFilter(at(s0, 2, "syscall"), table(s0));
  assert.deepEqual(onNull.view, s0.view);
  assert.match(onNull.status, /no value/);
});

test("Space cycles include → exclude → neither, and includes of one column are ORed in -w", () => {
  let s = at(initialState(), 0, "state");
  s = toggleFilter(s, table(s));
  assert.deepEqual(s.view.filters, [{ column: "state", op: "=", value: "SLEEP" }]);
  s = toggleFilter(at(s, 1, "state"), table(s));
  assert.equal(filterText(s.view.filters), "(state='SLEEP' OR state='DISK')");
  s = toggleFilter(at(s, 1, "state"), table(s));
  assert.equal(filterText(s.view.filters), "state='SLEEP' AND state!='DISK'");
  s = toggleFilter(at(s, 1, "state"), table(s));
  assert.equal(filterText(s.view.filters), "state='SLEEP'");
  assert.equal(s.back.length, 4);
});

test("the -w text binds every value as a parameter, quotes and all (the real parser)", () => {
  const hostile = "x' OR 1=1 --";
  const text = filterText([
    { column: "comm", op: "=", value: hostile },
    { column: "tgid", op: "!=", value: "42" },
  ]);
  const sql = parseFilter(text, 0, 0);
  assert.deepEqual(Object.values(sql.params), [hostile, "42"]);
  assert.ok(!sql.sql.includes("1=1"), sql.sql);
  const args = queryArgs({ ...initialState().view, filters: [{ column: "comm", op: "=", value: hostile }] });
  assert.deepEqual(args.slice(0, 4), ["-g", "state,syscall", "-w", "comm='x'' OR 1=1 --'"]);
  assert.equal(
    queryCommand(initialState().view, "/var/lib/tsnap"),
    "tsnap query /var/lib/tsnap -g state,syscall --lat none",
  );
});

test("< and > move the group column under the cursor, and the cursor with it", () => {
  const s0 = at(initialState(), 0, "state");
  const s1 = moveGroup(s0, table(s0), 1);
  assert.deepEqual(s1.view.groups, ["syscall", "state"]);
  assert.equal(table(s1).columns[s1.cursor.col], "state");
  assert.deepEqual(moveGroup(s1, table(s1), 1).view.groups, ["syscall", "state"]);
  assert.match(moveGroup(at(s0, 0, "samples"), table(s0), 1).status, /group column/);
});

test("s sorts by the cursor's column, again the other way", () => {
  const s0 = at(initialState(), 0, "samples");
  const s1 = sortByCursor(s0, table(s0));
  assert.deepEqual(s1.view.sort, { column: "samples", desc: true });
  assert.deepEqual(sortByCursor(s1, table(s1)).view.sort, { column: "samples", desc: false });
});

test("the cursor stays inside the table and scrolls the page", () => {
  let s = initialState();
  const size = { rows: 3, cols: 4, page: 2 };
  s = moveCursor(s, 5, 9, size);
  assert.deepEqual(s.cursor, { row: 2, col: 3 });
  assert.equal(s.top, 1);
  s = moveCursor(s, -9, -9, size);
  assert.deepEqual(s.cursor, { row: 0, col: 0 });
  assert.equal(s.top, 0);
});

test("value picker: type to search, Space includes, Enter drills to the highlighted value", () => {
  const items = [
    { key: "pread64", note: "12.57" },
    { key: "read", note: "12.97" },
    { key: "write", note: "0.18" },
  ];
  let s = openValuePicker(initialState(), "syscall");
  s = pickerType(s, "rea");
  assert.deepEqual(
    visibleItems(s.picker!, items).map((i) => i.key),
    ["pread64", "read"],
  );
  s = pickerToggle(s, items);
  assert.deepEqual(s.view.filters, [{ column: "syscall", op: "=", value: "pread64" }]);
  assert.ok(s.picker, "Space keeps the picker open");
  s = pickerAccept(s, items);
  assert.equal(s.picker, null);
  assert.deepEqual(s.view.groups, ["state"]);
  assert.deepEqual(s.view.filters, [{ column: "syscall", op: "=", value: "pread64" }]);
});

test("group picker: Enter alone groups by the highlighted column; Space builds a list", () => {
  const items = ["state", "syscall", "filename", "comm"].map((key) => ({ key, note: "" }));
  const s0 = initialState();
  const alone = pickerAccept(pickerType(openColumnPicker(s0), "file"), items);
  assert.deepEqual(alone.view.groups, ["filename"]);
  assert.deepEqual(goBack(alone).view.groups, ["state", "syscall"]);
  let s = openColumnPicker(s0);
  s = pickerToggle(s, items); // state off
  s = pickerType(s, "comm");
  s = pickerToggle(s, items); // comm on
  assert.deepEqual(pickerAccept(s, items).view.groups, ["syscall", "comm"]);
});

test("zoom: in to the middle half, out twice as wide within the data, pan by a quarter, reset", () => {
  const extent = { startUs: 0, endUs: 3600e6 };
  const w = effectiveWindow(initialState().view, extent, 3600e6);
  assert.deepEqual(w, { fromUs: 0, toUs: 3600e6 });
  const zin = zoomWindow(w, "in", extent)!;
  assert.deepEqual(zin, { fromUs: 900e6, toUs: 2700e6 });
  assert.deepEqual(zoomWindow(zin, "left", extent), { fromUs: 450e6, toUs: 2250e6 });
  assert.deepEqual(zoomWindow({ fromUs: 0, toUs: 1800e6 }, "left", extent), { fromUs: 0, toUs: 1800e6 });
  assert.deepEqual(zoomWindow(zin, "out", extent), { fromUs: 0, toUs: 3600e6 });
  const s1 = zoom(initialState(), "in", w, extent);
  assert.equal(s1.view.fromUs, 900e6);
  assert.equal(zoom(s1, "reset", zin, extent).view.fromUs, null);
  assert.match(zoom(initialState(), "out", w, extent).status, /covers the data/);
  // A live window follows the end of the data: the last N minutes.
  assert.deepEqual(effectiveWindow(initialState().view, { startUs: 0, endUs: 7200e6 }, 600e6), {
    fromUs: 6600e6,
    toUs: 7200e6,
  });
  assert.equal(bucketSeconds({ fromUs: 0, toUs: 3600e6 }, 92), 60);
  assert.equal(bucketSeconds({ fromUs: 0, toUs: 60e6 }, 92), 1);
});

test("a view survives the URL round trip, and malformed text is refused with the reason", () => {
  const v = {
    groups: ["syscall", "filename"],
    filters: [
      { column: "state", op: "=" as const, value: "DISK" },
      { column: "comm", op: "!=" as const, value: "a&b=c d" },
    ],
    fromUs: 1757077500000000,
    toUs: 1757078100000000,
    sort: { column: "samples", desc: false },
    latency: true,
  };
  assert.deepEqual(viewFromQuery(viewToQuery(v)), v);
  assert.deepEqual(viewFromQuery("?g=state"), { ...initialState().view, groups: ["state"] });
  assert.throws(() => viewFromQuery("f=nothing"), /bad filter/);
  assert.throws(() => viewFromQuery("from=5"), /together/);
  assert.throws(() => viewFromQuery("g=state;drop"), /bad group column/);
});
