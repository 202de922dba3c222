// The navigation model of the interactive views (`tsnap ui`, and the web UI of #13): what
// is looked at (a View: window, group columns, filters, sort, latency) and where the
// reader is (the cursor, the breadcrumb of earlier views, an open picker). Transitions
// are pure functions: a state (and the table on screen) in, a new state out. No terminal,
// no DuckDB; the views (terminal, browser) map their keys and clicks onto these.

/** A filter on one column: include (=) or exclude (!=) one value. */
export interface Filter {
  column: string;
  op: "=" | "!=";
  value: string;
}

export interface View {
  /** Group-by columns, in display order. */
  groups: string[];
  /** Includes of one column are ORed, everything else ANDed (filter-text.ts). */
  filters: Filter[];
  /** The time window, µs since the epoch (naive, as the data); null: the default window. */
  fromUs: number | null;
  toUs: number | null;
  /** null: the query's order (avg_threads, descending). */
  sort: { column: string; desc: boolean } | null;
  /** Latency columns (chosen from the groups, as `tsnap query` does). */
  latency: boolean;
}

/** The rows on screen: column names in display order and one object per row. */
export interface Table {
  columns: string[];
  rows: Record<string, unknown>[];
}

export interface Picker {
  /** values: the values of `column` in the current view; columns: the group-by choice. */
  kind: "values" | "columns";
  column: string;
  /** What was typed: the list shows items containing it (case-insensitive). */
  query: string;
  selected: number;
  /** Columns picker: the group columns chosen so far, in order. */
  chosen: string[];
}

export interface UiState {
  view: View;
  /** Earlier views, oldest first: Backspace returns to the last one. */
  back: View[];
  cursor: { row: number; col: number };
  /** First table row shown (scrolling). */
  top: number;
  help: boolean;
  picker: Picker | null;
  /** `?` `f` `t` (xtop's peek): the selected row's threads over the view, in one of PEEK_TABS. */
  peek: Peek | null;
  /** One line for the status bar (errors, hints); "" when none. */
  status: string;
}

export const DEFAULT_VIEW_GROUPS = ["state", "syscall"];

/** Columns every grouped table has before its group columns. */
export const METRIC_COLUMNS = ["avg_threads", "samples"];

/** After drilling into the last group column, group by the first of these not filtered. */
export const DRILL_NEXT = ["state", "syscall", "comm2", "filenamesum", "wchan", "kstack_current_func", "tid"];

export function initialView(groups: string[] = DEFAULT_VIEW_GROUPS): View {
  return { groups: [...groups], filters: [], fromUs: null, toUs: null, sort: null, latency: false };
}

export function initialState(view: View = initialView()): UiState {
  return {
    view,
    back: [],
    cursor: { row: 0, col: 0 },
    top: 0,
    help: false,
    picker: null,
    peek: null,
    status: "",
  };
}

/** What a peek shows: latency (heatmap, histograms), top stacks (a list, stacktiles), flame (icicle), thread swimlanes. */
export const PEEK_TABS = ["latency", "stacks", "tiles", "flame", "threads"] as const;
export type PeekTab = (typeof PEEK_TABS)[number];

/** What a peek looks at: the view's filters and the selected row's group values. */
export interface Peek {
  filters: Filter[];
  /** "state=DISK syscall=pread64" (the row's values), "all threads" without any. */
  label: string;
  tab: PeekTab;
  /** Lines scrolled down (stacks, flame). */
  scroll: number;
}

/**
 * The selection of the cursor's row as filters: the view's own, then `column=value` for
 * each group column of the row that has a value (time buckets left out: the window is the
 * view's). A status line when there is no row.
 */
export function rowSelection(s: UiState, t: Table): Omit<Peek, "tab" | "scroll"> | string {
  const row = t.rows[s.cursor.row];
  if (!row) return "no row selected";
  const filters = [...s.view.filters];
  const own: string[] = [];
  for (const g of s.view.groups) {
    const value = filterValue(row[g]);
    if (value === null || /^time_/.test(g)) continue;
    if (filters.some((f) => f.column === g && f.op === "=" && f.value === value)) continue;
    filters.push({ column: g, op: "=", value });
    own.push(`${g}=${value}`);
  }
  return { filters, label: own.length ? own.join(" ") : "all threads" };
}

/** `?` (latency), `f` (flame), `t` (threads): peek at the cursor's row. */
export function peekRow(s: UiState, t: Table, tab: PeekTab = "latency"): UiState {
  const p = rowSelection(s, t);
  if (typeof p === "string") return { ...s, status: p };
  return { ...s, peek: { ...p, tab, scroll: 0 }, status: "" };
}

/** Tab / Shift-Tab in a peek: the next (previous) tab on the same selection. */
export function peekTab(s: UiState, delta: number): UiState {
  if (!s.peek) return s;
  const n = PEEK_TABS.length;
  const tab = PEEK_TABS[(((PEEK_TABS.indexOf(s.peek.tab) + delta) % n) + n) % n];
  return { ...s, peek: { ...s.peek, tab, scroll: 0 } };
}

/** ↑ ↓ PgUp PgDn in a peek: scroll its lines (never above the first). */
export function peekScroll(s: UiState, delta: number): UiState {
  if (!s.peek) return s;
  return { ...s, peek: { ...s.peek, scroll: Math.max(0, s.peek.scroll + delta) } };
}

/** A new view; the current one is kept for Backspace. */
export function navigate(s: UiState, view: View, status = ""): UiState {
  return { ...s, view, back: [...s.back, s.view], cursor: { row: 0, col: s.cursor.col }, top: 0, status };
}

/** Backspace: the previous view, exactly as it was. */
export function goBack(s: UiState): UiState {
  if (s.back.length === 0) return { ...s, status: "at the first view" };
  const view = s.back[s.back.length - 1];
  return { ...s, view, back: s.back.slice(0, -1), cursor: { row: 0, col: 0 }, top: 0, status: "" };
}

/** The cell under the cursor: its column and value (undefined when the table is empty). */
export function cursorCell(s: UiState, t: Table): { column: string; value: unknown } | undefined {
  const row = t.rows[s.cursor.row];
  const column = t.columns[s.cursor.col];
  if (!row || column === undefined) return undefined;
  return { column, value: row[column] };
}

/** A row value as filter text, or null when it cannot be filtered on (no value). */
export function filterValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return String(v);
}

function groupCell(s: UiState, t: Table): { column: string; value: string } | string {
  const cell = cursorCell(s, t);
  if (!cell) return "no row selected";
  if (!s.view.groups.includes(cell.column))
    return `${cell.column} is a measure: move to a group column (← →) to filter on it`;
  const value = filterValue(cell.value);
  if (value === null) return `${cell.column} has no value in this row: nothing to filter on`;
  return { column: cell.column, value };
}

/**
 * Enter (xtop's drill-down): keep only the cell's value of its column, and group by the
 * other columns (the next of DRILL_NEXT when it was the only one).
 */
export function drill(s: UiState, t: Table): UiState {
  const c = groupCell(s, t);
  if (typeof c === "string") return { ...s, status: c };
  const next = drillTo(s, c.column, c.value);
  const width = METRIC_COLUMNS.length + next.view.groups.length;
  return { ...next, cursor: { row: 0, col: Math.min(s.cursor.col, width - 1) } };
}

/** Keep only `value` of `column` (a new view), grouped by the other columns. */
export function drillTo(s: UiState, column: string, value: string): UiState {
  const filters = [...s.view.filters.filter((f) => f.column !== column), { column, op: "=" as const, value }];
  let groups = s.view.groups.filter((g) => g !== column);
  if (groups.length === 0) {
    const next = DRILL_NEXT.find((n) => n !== column && !filters.some((f) => f.column === n));
    groups = next ? [next] : [];
  }
  const sort =
    s.view.sort && [...METRIC_COLUMNS, ...groups].includes(s.view.sort.column) ? s.view.sort : null;
  return navigate(s, { ...s.view, filters, groups, sort });
}

/** The filter a column/value pair has now: "=", "!=" or null. */
export function filterOf(v: View, column: string, value: string): "=" | "!=" | null {
  return v.filters.find((f) => f.column === column && f.value === value)?.op ?? null;
}

/** Cycle one value's filter: none → include → exclude → none. */
export function cycleFilter(v: View, column: string, value: string): View {
  const now = filterOf(v, column, value);
  const rest = v.filters.filter((f) => !(f.column === column && f.value === value));
  if (now === null) return { ...v, filters: [...rest, { column, op: "=", value }] };
  if (now === "=") return { ...v, filters: [...rest, { column, op: "!=", value }] };
  return { ...v, filters: rest };
}

/** Space on a cell: include its value, again: exclude it, again: neither. */
export function toggleFilter(s: UiState, t: Table): UiState {
  const c = groupCell(s, t);
  if (typeof c === "string") return { ...s, status: c };
  const view = cycleFilter(s.view, c.column, c.value);
  const op = filterOf(view, c.column, c.value);
  const words = op === "=" ? "included" : op === "!=" ? "excluded" : "no longer filtered";
  const next = navigate(s, view, `${c.column}=${c.value} ${words}`);
  return { ...next, cursor: s.cursor, top: s.top };
}

/** Move the cursor; `rows` and `cols` are the table's size, `page` the rows on screen. */
export function moveCursor(
  s: UiState,
  dRow: number,
  dCol: number,
  size: { rows: number; cols: number; page: number },
): UiState {
  const row = clamp(s.cursor.row + dRow, 0, Math.max(0, size.rows - 1));
  const col = clamp(s.cursor.col + dCol, 0, Math.max(0, size.cols - 1));
  let top = s.top;
  if (row < top) top = row;
  if (row >= top + size.page) top = row - size.page + 1;
  return { ...s, cursor: { row, col }, top: Math.max(0, top), status: "" };
}

/** `<` / `>`: move the group column under the cursor one place left or right. */
export function moveGroup(s: UiState, t: Table, delta: -1 | 1): UiState {
  const column = t.columns[s.cursor.col];
  const i = s.view.groups.indexOf(column);
  if (i < 0) return { ...s, status: "move to a group column to reorder it" };
  const j = i + delta;
  if (j < 0 || j >= s.view.groups.length) return s;
  const groups = [...s.view.groups];
  [groups[i], groups[j]] = [groups[j], groups[i]];
  return { ...s, view: { ...s.view, groups }, cursor: { ...s.cursor, col: s.cursor.col + delta } };
}

/** Sort by the cursor's column; again: the other direction. */
export function sortByCursor(s: UiState, t: Table): UiState {
  const column = t.columns[s.cursor.col];
  if (column === undefined) return s;
  const cur = s.view.sort;
  const sort = cur?.column === column ? { column, desc: !cur.desc } : { column, desc: true };
  return { ...s, view: { ...s.view, sort }, cursor: { ...s.cursor, row: 0 }, top: 0 };
}

export function toggleLatency(s: UiState): UiState {
  return { ...s, view: { ...s.view, latency: !s.view.latency } };
}

/** New group columns (the `g` picker): a new view, kept for Backspace. */
export function setGroups(s: UiState, groups: string[]): UiState {
  if (groups.length === 0) return { ...s, status: "choose at least one column" };
  const sort =
    s.view.sort && [...METRIC_COLUMNS, ...groups].includes(s.view.sort.column) ? s.view.sort : null;
  return navigate(s, { ...s.view, groups: [...groups], sort });
}

/** Rows in the view's order (numbers before text, missing values last). */
export function sortRows<R extends Record<string, unknown>>(rows: readonly R[], sort: View["sort"]): R[] {
  if (!sort) return [...rows];
  const k = sort.column;
  const sign = sort.desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[k];
    const y = b[k];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    if (typeof x === "number" && typeof y === "number") return sign * (x - y);
    return sign * String(x).localeCompare(String(y));
  });
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * The table as shown: avg_threads, samples, the group columns in the view's order, then
 * the rest (latency); rows in the view's sort order.
 */
export function displayTable(
  v: View,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): Table {
  const first = [...METRIC_COLUMNS, ...v.groups];
  const cols = [...first.filter((c) => columns.includes(c)), ...columns.filter((c) => !first.includes(c))];
  return { columns: cols, rows: sortRows(rows, v.sort) };
}
