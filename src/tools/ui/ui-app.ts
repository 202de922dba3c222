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
import type { AnyPeekData, Snapshot, UiData } from "./ui-data.js";
import { applyKey, parseKeys } from "./ui-keys.js";
import { lanesRows } from "./ui-lanes.js";
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
  /** The timeline width `snap` was read for. */
  let snapWidth = 0;
  let pickerItems: PickerItem[] | null = null;
  let peek: AnyPeekData | null = null;
  /** The open selection's peeks already read, by tab (Tab back and forth reads nothing again). */
  let peeks = new Map<string, AnyPeekData>();
  let peekOf: unknown = null;
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
  /** What the last draw showed of what can change without a key: the data, the status line, working…. */
  let drawn: { snap: Snapshot | null; status: string; working: boolean } | null = null;
  const status = () => {
    const failure = o.failed?.();
    return failure ? formatError(failure) : error || (o.notices?.().at(-1) ?? "");
  };
  const draw = () => {
    const { width, height } = o.screen.size();
    drawn = { snap, status: status(), working: loading };
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
        error: drawn.status,
      }),
    );
  };

  /**
   * Reads the view's data. `tick`: a live refresh, drawn only when the data or the status
   * line changed (a read that keys wait for says "working…" as always).
   */
  const load = async (tick = false) => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    if (!tick) draw();
    try {
      do {
        again = false;
        const view = state.view;
        const width = o.screen.size().width - AXIS_WIDTH - 1;
        try {
          let fresh = true;
          if (reopen) {
            reopen = false;
            fresh = await o.data.refresh();
          }
          // Nothing new and the same view and size: the snapshot stands.
          if (fresh || snap?.view !== view || snapWidth !== width) {
            snap = await o.data.load(view, width);
            snapWidth = width;
          }
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
      if (!tick || drawn?.working || drawn?.snap !== snap || drawn.status !== status()) draw();
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
    if (peekOf !== p.filters) {
      peeks = new Map();
      peekOf = p.filters;
    }
    const known = peeks.get(p.tab);
    peek = known ? { ...known, peek: p } : null;
    if (known) return;
    draw();
    try {
      const { width, height } = o.screen.size();
      let d: AnyPeekData;
      if (p.tab === "latency")
        d = { tab: p.tab, ...(await o.data.peek(state.view, p, width - PEEK_LABEL - 1)) };
      else if (p.tab === "threads") {
        const cols = lanesRows(width, pageRows(height));
        d = { tab: p.tab, peek: p, ...(await o.data.peekLanes(state.view, p, cols.columns, cols.threads)) };
      } else d = { tab: p.tab, peek: p, ...(await o.data.peekStacks(state.view, p)) };
      if (peekOf === p.filters) peeks.set(p.tab, d);
      if (state.peek?.filters === p.filters && state.peek.tab === p.tab) peek = { ...d, peek: state.peek };
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
          void load(true);
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
