// The screen as pure text on fixtures: every size from 80x24 up gives exactly `height`
// lines of `width` characters; the timeline stacks states by their share; colours only
// when asked; keys parsed from raw terminal bytes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { displayTable, initialState, type UiState } from "../../ui-model/view-state.js";
import type { Snapshot } from "./ui-data.js";
import { applyKey, parseKeys } from "./ui-keys.js";
import { pageRows, renderScreen } from "./ui-render.js";
import { type ColorMode, colorModeOf, stripSgr, visibleLength } from "./ui-style.js";
import { renderTimeline, timelineColumns } from "./ui-timeline.js";

const T0 = Date.parse("2025-09-05T13:00:00Z") * 1000;

/** 60 buckets of 60 s: 2 threads RUN and 1 DISK in each, and nothing in the last 10. */
function snapshot(rows = 3): Snapshot {
  const timeline = [];
  for (let i = 0; i < 50; i++) {
    timeline.push({ t: T0 + i * 60e6, state: "RUN", avg: 2 });
    timeline.push({ t: T0 + i * 60e6, state: "DISK", avg: 1 });
  }
  return {
    view: initialState().view,
    extent: { startUs: T0, endUs: T0 + 3600e6 },
    window: { fromUs: T0, toUs: T0 + 3600e6 },
    columns: ["samples", "avg_threads", "state", "syscall"],
    rows: Array.from({ length: rows }, (_, i) => ({
      state: i % 2 ? "DISK" : "RUN",
      syscall: `call_${"x".repeat(i % 7)}${i}`,
      samples: 1000 - i,
      avg_threads: (1000 - i) / 3600,
    })),
    coveredSeconds: 3600,
    latency: [],
    histMode: false,
    bucketUs: 60e6,
    timeline,
    problems: [],
  };
}

function screen(
  state: UiState,
  snap: Snapshot | null,
  width: number,
  height: number,
  mode: ColorMode = "none",
) {
  const table = snap ? displayTable(state.view, snap.columns, snap.rows) : { columns: [], rows: [] };
  return renderScreen({
    state,
    snap,
    table,
    pickerItems: null,
    width,
    height,
    mode,
    source: "history ./demo",
    working: false,
    error: "",
  });
}

test("every size from 80x24 to 200x60: exactly height lines of width characters, nothing cut that fits", () => {
  for (const [w, h] of [
    [80, 24],
    [100, 30],
    [200, 60],
  ]) {
    for (const mode of ["none", "16", "truecolor"] as const) {
      for (const s of [initialState(), { ...initialState(), help: true }]) {
        const lines = screen(s, snapshot(200), w, h, mode);
        assert.equal(lines.length, h, `${w}x${h}`);
        for (const l of lines)
          assert.equal(visibleLength(l), w, `${w}x${h} ${mode}: ${JSON.stringify(stripSgr(l))}`);
      }
    }
    const text = screen(initialState(), snapshot(200), w, h).map(stripSgr);
    const header = text.find((l) => l.includes("avg_threads"))!;
    assert.match(header, /avg_threads\s+samples\s+state\s+syscall/);
    // As many table rows as the page holds, the first row first.
    assert.equal(text.filter((l) => /call_/.test(l)).length, pageRows(h));
    assert.match(text.find((l) => /call_/.test(l))!, /^▶\s+0\.28\s+1000\s+RUN\s+call_0/);
  }
});

test("the timeline stacks states by their share: 2 RUN under 1 DISK, empty where no data", () => {
  const snap = snapshot();
  const cols = timelineColumns(snap.timeline, snap.window, snap.bucketUs);
  assert.equal(cols.stacks.length, 60);
  assert.equal(cols.peak, 3);
  const lines = renderTimeline(snap.timeline, snap.window, snap.bucketUs, 80, 6, "none");
  // Column k of the bars, bottom-up: 6 rows of 0.5 threads, middles 0.25..2.75.
  const column = (k: number) =>
    lines
      .slice(0, 6)
      .map((l) => l[8 + k])
      .reverse()
      .join("");
  assert.equal(column(0), "RRRRDD");
  assert.equal(column(55), "      ");
  assert.match(lines[0], /^\s+3\.00 ┤/);
  assert.match(lines[6], /2025-09-05 13:00:00 .*60 s per column.* 2025-09-05 14:00:00/);
});

test("colours: RUN green and DISK blue in 16 colours, RGB in truecolor, none with NO_COLOR", () => {
  const snap = snapshot();
  const c16 = renderTimeline(snap.timeline, snap.window, snap.bucketUs, 80, 4, "16").join("\n");
  assert.match(c16, /\x1b\[32m█/);
  assert.match(c16, /\x1b\[34m█/);
  const rgb = renderTimeline(snap.timeline, snap.window, snap.bucketUs, 80, 4, "truecolor").join("\n");
  assert.match(rgb, /\x1b\[38;2;\d+;\d+;\d+m█/);
  const plain = screen(initialState(), snap, 80, 24, "none").join("\n");
  assert.doesNotMatch(plain, /\x1b\[(3\d|38;)/);
  assert.equal(colorModeOf({ NO_COLOR: "1", COLORTERM: "truecolor" }), "none");
  assert.equal(colorModeOf({ COLORTERM: "truecolor" }), "truecolor");
  assert.equal(colorModeOf({ TERM: "xterm" }), "16");
});

test("the breadcrumb, sort mark and status say where the reader is", () => {
  const s: UiState = {
    ...initialState(),
    view: {
      ...initialState().view,
      groups: ["syscall"],
      filters: [{ column: "state", op: "=", value: "DISK" }],
      sort: { column: "samples", desc: false },
    },
    back: [initialState().view],
  };
  const text = screen(s, snapshot(), 100, 30).map(stripSgr);
  assert.match(text.join("\n"), /▸ state=DISK {3}group: syscall {2}sort: samples ↑ {2}⌫ 1/);
  assert.match(text.join("\n"), /samples↑/);
  assert.match(screen(initialState(), null, 80, 24).map(stripSgr).join("\n"), /reading…/);
});

test("keys from raw terminal bytes: arrows, Enter, Space, Backspace, Esc, Ctrl-C, characters", () => {
  assert.deepEqual(parseKeys("\x1b[A\x1b[B\x1bOC\r \x7f\x1b\x03q/<"), [
    "up",
    "down",
    "right",
    "enter",
    "space",
    "backspace",
    "esc",
    "ctrl-c",
    "q",
    "/",
    "<",
  ]);
  assert.deepEqual(parseKeys("\x1b[1;5Cg"), ["g"], "an unknown sequence is skipped whole");
});

test("y shows the tsnap query command of the view; q and Ctrl-C quit, also from the keys panel", () => {
  const snap = snapshot();
  const ctx = {
    table: displayTable(initialState().view, snap.columns, snap.rows),
    page: 10,
    pickerItems: null,
    window: snap.window,
    extent: snap.extent,
    dir: "./demo",
  };
  const y = applyKey(initialState(), "y", ctx);
  assert.equal(y.state.status, "tsnap query ./demo -g state,syscall --lat none");
  assert.equal(applyKey(initialState(), "q", ctx).effect, "quit");
  assert.equal(applyKey({ ...initialState(), help: true }, "ctrl-c", ctx).effect, "quit");
  assert.equal(applyKey({ ...initialState(), help: true }, "x", ctx).state.help, false);
  const zoomed = applyKey(initialState(), "+", ctx).state;
  assert.equal(zoomed.view.toUs! - zoomed.view.fromUs!, 1800e6);
});
