// The screen of `tsnap ui` as text: title, timeline, breadcrumb, the grouped table (or
// a picker, or the keys panel), status and key hints. Pure: the state, the data and the
// terminal's size in, exactly `height` lines of at most `width` characters out.
import { formatCell } from "../../report/table.js";
import { type PickerItem, PROCESS_COLUMN, visibleItems } from "../../ui-model/view-picker.js";
import { filterOf, type Table, type UiState } from "../../ui-model/view-state.js";
import type { AnyPeekData, Snapshot } from "./ui-data.js";
import { KEYS_HELP } from "./ui-keys.js";
import { peekPanel } from "./ui-peek.js";
import {
  type ColorMode,
  fit,
  padVisible,
  paint,
  REVERSE,
  stripSgr,
  UNDERLINE,
  visibleLength,
} from "./ui-style.js";
import { legend, renderTimeline } from "./ui-timeline.js";

export interface ScreenInput {
  state: UiState;
  snap: Snapshot | null;
  table: Table;
  /** The open picker's items (null while they load). */
  pickerItems: PickerItem[] | null;
  /** The open peek's data (null while it loads). */
  peek?: AnyPeekData | null;
  width: number;
  height: number;
  mode: ColorMode;
  /** "history ./cap" or "live: bpf source, 5 Hz". */
  source: string;
  working: boolean;
  /** The last load's failure (a bad filter, a file gone), shown in the status line. */
  error: string;
}

/** Rows of the timeline's bars for a terminal height. */
export function timelineHeight(height: number): number {
  return height >= 50 ? 10 : height >= 34 ? 7 : 4;
}

/** Table rows that fit under the title, timeline, breadcrumb and header, above the status. */
export function pageRows(height: number): number {
  return Math.max(1, height - (1 + timelineHeight(height) + 2 + 1 + 1 + 2));
}

export function renderScreen(i: ScreenInput): string[] {
  const { width: W, height: H } = i;
  const lines: string[] = [title(i)];
  const th = timelineHeight(H);
  if (i.snap) {
    lines.push(...renderTimeline(i.snap.timeline, i.snap.window, i.snap.bucketUs, W, th, i.mode));
    lines.push(fitVisible(` ${legend(i.snap.timeline, i.mode)}`, W));
  } else {
    for (let k = 0; k < th + 2; k++) lines.push(k === 1 ? fit("  reading…", W) : "");
  }
  lines.push(breadcrumb(i.state, W));
  const body = pageRows(H) + 1;
  if (i.state.help) lines.push(...helpPanel(W, body));
  else if (i.state.peek) {
    const d = i.peek?.peek === i.state.peek ? i.peek : null;
    lines.push(...peekPanel(d, i.state.peek, W, body, i.mode));
  } else if (i.state.picker) lines.push(...pickerPanel(i, W, body));
  else lines.push(...tablePanel(i, W, body));
  lines.push(statusLine(i, W));
  lines.push(
    fit(
      " q quit  h keys  g group  ⏎ drill  ␣ in/exclude  / values  ? f t peek  ⌫ back  +-[]0 zoom  y query",
      W,
    ),
  );
  while (lines.length < H) lines.splice(lines.length - 2, 0, "");
  return lines.slice(0, H).map((l) => padVisible(l, W));
}

function fitVisible(s: string, w: number): string {
  return visibleLength(s) <= w ? s : fit(stripSgr(s), w);
}

/** Window, seconds sampled and source on the left; "zoomed" and "working…" always seen, on the right. */
function title(i: ScreenInput): string {
  const parts = ["tsnap ui"];
  if (i.snap) {
    const from = new Date(i.snap.window.fromUs / 1000).toISOString().slice(0, 19).replace("T", " ");
    const to = new Date(i.snap.window.toUs / 1000).toISOString().slice(11, 19);
    parts.push(`${from} → ${to}`, `${Math.round(i.snap.coveredSeconds)} s sampled`);
  }
  const flags = [i.state.view.fromUs !== null ? "zoomed" : "", i.working ? "working…" : ""].filter(Boolean);
  const right = flags.length ? ` ${flags.join(" ")} ` : "";
  const room = i.width - right.length;
  // The source ("history /a/long/path") comes last; a long path loses its start, not the
  // directory's own name.
  const sp = i.source.indexOf(" ");
  const head = ` ${parts.join(" · ")} · ${i.source.slice(0, sp + 1)}`;
  const path = [...i.source.slice(sp + 1)];
  const keep = room - head.length;
  const src =
    path.length <= keep || keep < 8 ? path.join("") : `…${path.slice(path.length - keep + 1).join("")}`;
  return REVERSE(fit(head + src, room) + right);
}

function breadcrumb(s: UiState, w: number): string {
  const v = s.view;
  const trail = v.filters.map((f) => `${f.column}${f.op}${f.value}`).join(" › ") || "all threads";
  const sort = v.sort ? `  sort: ${v.sort.column} ${v.sort.desc ? "↓" : "↑"}` : "";
  const back = s.back.length ? `  ⌫ ${s.back.length}` : "";
  return fit(` ▸ ${trail}   group: ${v.groups.join(", ")}${sort}${v.latency ? "  latency" : ""}${back}`, w);
}

function statusLine(i: ScreenInput, w: number): string {
  const text = i.error || i.state.status || (i.snap?.problems[0] ?? "");
  if (!text) {
    const n = i.table.rows.length;
    return fit(n ? ` row ${i.state.cursor.row + 1} of ${n}` : " no rows", w);
  }
  return fit(` ${text}`, w);
}

/** Column widths that fit `w`: numbers whole, text cut to at least 8, then columns dropped. */
function widths(t: Table, text: string[][], w: number): number[] {
  const ws = t.columns.map((c, k) => Math.max(c.length + 1, ...text.map((r) => r[k].length)));
  const total = () => ws.reduce((a, b) => a + b + 2, 1);
  const numeric = t.columns.map((c) => t.rows.every((r) => r[c] === null || typeof r[c] === "number"));
  while (total() > w) {
    let widest = -1;
    for (let k = 0; k < ws.length; k++)
      if (!numeric[k] && ws[k] > 8 && (widest < 0 || ws[k] > ws[widest])) widest = k;
    if (widest < 0) break;
    ws[widest] = Math.max(8, ws[widest] - (total() - w));
  }
  return ws;
}

function cellText(column: string, v: unknown): string {
  if (column === "avg_threads" && typeof v === "number") return v.toFixed(2);
  return formatCell(v as Parameters<typeof formatCell>[0]);
}

function tablePanel(i: ScreenInput, W: number, n: number): string[] {
  const { table: t, state: s } = i;
  const page = n - 1;
  const top = Math.min(s.top, Math.max(0, t.rows.length - page));
  const shown = t.rows.slice(top, top + page);
  const text = shown.map((r) => t.columns.map((c) => cellText(c, r[c])));
  const ws = widths(t, text, W);
  const numeric = t.columns.map(
    (c) => t.rows.length > 0 && t.rows.every((r) => r[c] === null || typeof r[c] === "number"),
  );
  const line = (cells: string[], row: number | null): string => {
    let out = row !== null && row === s.cursor.row ? "▶" : " ";
    let used = 1;
    for (let k = 0; k < cells.length; k++) {
      if (used + ws[k] > W) break;
      const raw = numeric[k] ? cells[k].padStart(ws[k]) : fit(cells[k], ws[k]);
      const c = fit(raw, ws[k]);
      let styled = c;
      if (row !== null && t.columns[k] === "state") styled = paint(cells[k], c, i.mode);
      if (row === null && k === s.cursor.col) styled = UNDERLINE(c);
      if (row !== null && row === s.cursor.row && k === s.cursor.col) styled = UNDERLINE(c);
      out += styled;
      used += ws[k];
      if (used + 2 <= W) {
        out += "  ";
        used += 2;
      }
    }
    return out;
  };
  const header = t.columns.map((c) =>
    s.view.sort?.column === c ? `${c}${s.view.sort.desc ? "↓" : "↑"}` : c,
  );
  const out = [line(header, null)];
  shown.forEach((_, k) => {
    const row = top + k;
    const l = padVisible(line(text[k], row), W);
    const marked = markFilters(s, t, row);
    out.push(row === s.cursor.row ? REVERSE(marked ? `${l.slice(0, W - 1)}${marked}` : l) : l);
  });
  if (t.rows.length === 0) out.push(fit(i.snap ? "  no samples match this view (⌫ goes back)" : "", W));
  while (out.length < n) out.push("");
  return out;
}

/** A mark at the end of the cursor row when its cell is included (+) or excluded (−). */
function markFilters(s: UiState, t: Table, row: number): string {
  const c = t.columns[s.cursor.col];
  const v = t.rows[row]?.[c];
  if (v === null || v === undefined) return "";
  const op = filterOf(s.view, c, String(v));
  return op === "=" ? "+" : op === "!=" ? "−" : "";
}

function pickerPanel(i: ScreenInput, W: number, n: number): string[] {
  const p = i.state.picker!;
  const head =
    p.kind === "values"
      ? p.column === PROCESS_COLUMN
        ? ` processes  (type a name or pid, ⏎ keep one, ␣ include/exclude, Esc close): ${p.query}▏`
        : ` values of ${p.column}  (type to search, ⏎ keep one, ␣ include/exclude, Esc close): ${p.query}▏`
      : ` group by  (type to search, ␣ add/remove, ⏎ apply, Esc close): ${p.query}▏  now: ${p.chosen.join(", ")}`;
  const out = [REVERSE(fit(head, W))];
  if (i.pickerItems === null) {
    out.push(fit("  reading values…", W));
  } else {
    const items = visibleItems(p, i.pickerItems);
    const page = n - 1;
    const top = Math.max(0, Math.min(p.selected - Math.floor(page / 2), items.length - page));
    items.slice(top, top + page).forEach((it, k) => {
      let mark = "  ";
      if (p.kind === "columns") {
        const at = p.chosen.indexOf(it.key);
        mark = at >= 0 ? String(at + 1).padStart(2) : "  ";
      } else {
        const op = filterOf(i.state.view, p.column, it.key);
        mark = op === "=" ? " +" : op === "!=" ? " −" : "  ";
      }
      const text = fit(`${mark} ${it.key.padEnd(30)} ${it.note}`, W);
      out.push(top + k === p.selected ? REVERSE(text) : text);
    });
    if (items.length === 0) out.push(fit("   nothing matches", W));
  }
  while (out.length < n) out.push("");
  return out;
}

function helpPanel(W: number, n: number): string[] {
  const out = [REVERSE(fit(" keys (h or ? closes)", W))];
  for (const [k, what] of KEYS_HELP) out.push(fit(`  ${k.padEnd(14)} ${what}`, W));
  while (out.length < n) out.push("");
  return out.slice(0, n);
}
