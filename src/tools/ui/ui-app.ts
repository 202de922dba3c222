// The loop of `tsnap ui`: keys → model transitions → queries → a redraw. Queries run
// while keys keep coming (the title says "working…"; a view changed meanwhile is read
// again when the current read ends). Live mode reads the directory again every refresh
// while the window follows the newest data; a zoomed window stays put.
import { formatError } from "../../errors.js";
import type { PickerItem } from "../../ui-model/view-picker.js";
import {
  displayTable,
  initialState,
  type Table,
  type UiState,
  type View,
} from "../../ui-model/view-state.js";
import type { PeekData, Snapshot, UiData } from "./ui-data.js";
import { applyKey, parseKeys } from "./ui-keys.js";
import { PEEK_LABEL } from "./ui-peek.js";
import { pageRows, renderScreen } from "./ui-render.js";
import type { ColorMode } from "./ui-style.js";
import type { TerminalSize } from "./ui-terminal.js";
import { AXIS_WIDTH } from "./ui-timeline.js";

export interface Screen {
  size(): TerminalSize;
  enter(onKeys: (chunk: string) => void, onResize: () => void): void;
  draw(lines: string[]): void;
  restore(): void;
}

export interface AppOptions {
  data: UiData;
  screen: Screen;
  source: string;
  mode: ColorMode;
  view: View;
  signal: AbortSignal;
  /** Live: re-read every this many ms while following the newest data. */
  refreshMs?: number;
  /** Live: notices of the sampler, and a failure of the capture loop. */
  notices?: () => string[];
  failed?: () => unknown;
}

/** Runs until q, Ctrl-C or the signal; returns the last view (its query is printed at exit). */
export async function runApp(o: AppOptions): Promise<View> {
  let state: UiState = initialState(o.view);
  let snap: Snapshot | null = null;
  let pickerItems: PickerItem[] | null = null;
  let peek: PeekData | null = null;
  let error = "";
  let loading = false;
  let again = false;
  let reopen = false;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });

  const table = (): Table =>
    snap
      ? displayTable({ ...snap.view, sort: state.view.sort }, snap.columns, snap.rows)
      : { columns: [], rows: [] };
  const draw = () => {
    const { width, height } = o.screen.size();
    const failure = o.failed?.();
    o.screen.draw(
      renderScreen({
        state,
        snap,
        table: table(),
        pickerItems,
        peek,
        width,
        height,
        mode: o.mode,
        source: o.source,
        working: loading,
        error: failure ? formatError(failure) : error || (o.notices?.().at(-1) ?? ""),
      }),
    );
  };

  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    draw();
    try {
      do {
        again = false;
        const view = state.view;
        try {
          if (reopen) {
            reopen = false;
            await o.data.refresh();
          }
          snap = await o.data.load(view, o.screen.size().width - AXIS_WIDTH - 1);
          error = "";
          const n = snap.rows.length;
          if (state.cursor.row >= n)
            state = { ...state, cursor: { ...state.cursor, row: Math.max(0, n - 1) } };
        } catch (err) {
          error = formatError(err).replace(/^tsnap: /, "");
        }
      } while (again);
    } finally {
      loading = false;
      draw();
    }
  };

  const loadValues = async (column: string) => {
    pickerItems = null;
    draw();
    try {
      const w = snap?.window ?? { fromUs: 0, toUs: Date.now() * 1000 };
      const items = await o.data.values(state.view, column, w);
      if (state.picker?.column === column) pickerItems = items;
    } catch (err) {
      error = formatError(err).replace(/^tsnap: /, "");
      pickerItems = [];
    }
    draw();
  };

  const loadPeek = async () => {
    const p = state.peek;
    if (!p) return;
    peek = null;
    draw();
    try {
      const d = await o.data.peek(state.view, p, o.screen.size().width - PEEK_LABEL - 1);
      if (state.peek === p) peek = d;
    } catch (err) {
      error = formatError(err).replace(/^tsnap: /, "");
    }
    draw();
  };

  const columnItems = (): PickerItem[] => o.data.columnItems();

  const onKeys = (chunk: string) => {
    for (const key of parseKeys(chunk)) {
      const before = state;
      const res = applyKey(state, key, {
        table: table(),
        page: pageRows(o.screen.size().height),
        pickerItems,
        window: snap?.window ?? null,
        extent: snap?.extent ?? null,
        dir: o.data.dir,
      });
      state = res.state;
      if (res.effect === "quit") {
        done();
        return;
      }
      if (state.picker && state.picker !== before.picker && !before.picker) {
        if (state.picker.kind === "values") void loadValues(state.picker.column);
        else pickerItems = columnItems();
      }
      if (!state.picker && before.picker) pickerItems = null;
      if (state.peek && state.peek !== before.peek) void loadPeek();
      if (!state.peek) peek = null;
      if (res.effect === "refresh") {
        reopen = true;
        void load();
      } else if (state.view !== before.view) void load();
    }
    draw();
  };

  o.screen.enter(onKeys, draw);
  const onAbort = () => done();
  o.signal.addEventListener("abort", onAbort);
  const timer =
    o.refreshMs !== undefined
      ? setInterval(() => {
          if (state.view.fromUs !== null || loading) return;
          reopen = true;
          void load();
        }, o.refreshMs)
      : null;
  try {
    if (o.refreshMs !== undefined) reopen = true;
    void load();
    await finished;
  } finally {
    if (timer) clearInterval(timer);
    o.signal.removeEventListener("abort", onAbort);
    o.screen.restore();
  }
  return state.view;
}
