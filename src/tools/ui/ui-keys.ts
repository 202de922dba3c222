// Keys of `tsnap ui`: terminal input bytes → key names (pure), and each key → a
// transition of the navigation model (ui-model/). The meanings are xtop's where xtop has
// the key. Returns the new state and what the driver must do besides redrawing.
import {
  closePicker,
  openColumnPicker,
  openProcessPicker,
  openValuePicker,
  type PickerItem,
  pickerAccept,
  pickerErase,
  pickerMove,
  pickerToggle,
  pickerType,
} from "../../ui-model/view-picker.js";
import { queryCommand } from "../../ui-model/view-query.js";
import {
  drill,
  goBack,
  moveCursor,
  moveGroup,
  peekRow,
  peekScroll,
  peekTab,
  sortByCursor,
  type Table,
  toggleFilter,
  toggleLatency,
  type UiState,
} from "../../ui-model/view-state.js";
import { type Extent, type Window, zoom } from "../../ui-model/view-window.js";

export const KEYS_HELP: [string, string][] = [
  ["↑ ↓ PgUp PgDn", "move between rows (also k j)"],
  ["← →", "move between columns"],
  ["⏎ Enter", "drill down: keep this cell's value, group by the other columns"],
  ["␣ Space", "include this value, again: exclude it, again: neither"],
  ["/", "searchable list of the values of this column"],
  ["g", "choose the group-by columns"],
  ["p", "pick a process by name or pid: ⏎ keeps only that process, ␣ includes/excludes it"],
  ["< >", "move this group column left or right"],
  ["s", "sort by this column (again: the other way)"],
  ["l", "latency columns on/off (syscalls, block I/O, run queue)"],
  ["⌫ Backspace", "back to the previous view (breadcrumb on the third line)"],
  ["+ -", "zoom the time window in (middle half) or out (twice as wide)"],
  ["[ ]", "move the window back or forward in time by a quarter"],
  ["0", "the default window again (live: follow the newest data)"],
  ["r", "refresh (read new files; live: refreshes every second)"],
  ["y", "show the tsnap query command line of this view (printed again at exit)"],
  ["?", "peek at this row: latency × time heatmap and histograms of its syscalls and disks"],
  ["f", "peek at this row's stacks: a thread-state icicle graph (flame, root on top)"],
  ["t", "peek at this row's threads: swimlanes of their states over time"],
  ["Tab", "in a peek: the next tab (latency, top stacks, stacktiles, flame, threads); ↑ ↓ scroll"],
  ["h", "this panel"],
  ["q Ctrl-C", "quit"],
];

/** Key names: single characters as themselves, others named (up, enter, backspace, ...). */
export function parseKeys(input: string): string[] {
  const out: string[] = [];
  const named: [string, string][] = [
    ["\x1b[A", "up"],
    ["\x1b[B", "down"],
    ["\x1b[C", "right"],
    ["\x1b[D", "left"],
    ["\x1bOA", "up"],
    ["\x1bOB", "down"],
    ["\x1bOC", "right"],
    ["\x1bOD", "left"],
    ["\x1b[5~", "pageup"],
    ["\x1b[6~", "pagedown"],
    ["\x1b[H", "home"],
    ["\x1b[F", "end"],
    ["\x1b[1~", "home"],
    ["\x1b[4~", "end"],
    ["\x1b[Z", "backtab"],
  ];
  let i = 0;
  while (i < input.length) {
    const seq = named.find(([s]) => input.startsWith(s, i));
    if (seq) {
      out.push(seq[1]);
      i += seq[0].length;
      continue;
    }
    const ch = input[i];
    if (ch === "\x1b") {
      // An unknown sequence is skipped whole; a lone Esc is a key.
      const m = /^\x1b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(input.slice(i));
      if (m) i += m[0].length;
      else {
        out.push("esc");
        i++;
      }
      continue;
    }
    if (ch === "\r" || ch === "\n") out.push("enter");
    else if (ch === "\x7f" || ch === "\b") out.push("backspace");
    else if (ch === "\x03") out.push("ctrl-c");
    else if (ch === " ") out.push("space");
    else if (ch === "\t") out.push("tab");
    else if (ch >= " ") out.push(ch);
    i++;
  }
  return out;
}

export interface KeyContext {
  table: Table;
  /** Table rows on screen. */
  page: number;
  pickerItems: PickerItem[] | null;
  window: Window | null;
  extent: Extent | null;
  dir: string;
}

export type KeyEffect = "none" | "quit" | "refresh";

export function applyKey(s: UiState, key: string, c: KeyContext): { state: UiState; effect: KeyEffect } {
  const same = (state: UiState) => ({ state, effect: "none" as KeyEffect });
  if (key === "ctrl-c") return { state: s, effect: "quit" };
  if (s.picker) return same(pickerKey(s, key, c));
  if (s.peek && !s.help) {
    const page = Math.max(1, c.page - 2);
    const move: Record<string, () => UiState> = {
      tab: () => peekTab(s, 1),
      right: () => peekTab(s, 1),
      backtab: () => peekTab(s, -1),
      left: () => peekTab(s, -1),
      down: () => peekScroll(s, 1),
      j: () => peekScroll(s, 1),
      up: () => peekScroll(s, -1),
      k: () => peekScroll(s, -1),
      pagedown: () => peekScroll(s, page),
      pageup: () => peekScroll(s, -page),
    };
    if (move[key]) return same(move[key]());
  }
  if (s.help || s.peek) {
    if (key === "q") return { state: s, effect: "quit" };
    return same({ ...s, help: false, peek: null });
  }
  const size = { rows: c.table.rows.length, cols: c.table.columns.length, page: c.page };
  switch (key) {
    case "q":
      return { state: s, effect: "quit" };
    case "up":
    case "k":
      return same(moveCursor(s, -1, 0, size));
    case "down":
    case "j":
      return same(moveCursor(s, 1, 0, size));
    case "pageup":
      return same(moveCursor(s, -c.page, 0, size));
    case "pagedown":
      return same(moveCursor(s, c.page, 0, size));
    case "home":
      return same(moveCursor(s, -s.cursor.row, 0, size));
    case "end":
      return same(moveCursor(s, size.rows, 0, size));
    case "left":
      return same(moveCursor(s, 0, -1, size));
    case "right":
      return same(moveCursor(s, 0, 1, size));
    case "enter":
      return same(drill(s, c.table));
    case "space":
      return same(toggleFilter(s, c.table));
    case "backspace":
      return same(goBack(s));
    case "<":
      return same(moveGroup(s, c.table, -1));
    case ">":
      return same(moveGroup(s, c.table, 1));
    case "s":
      return same(sortByCursor(s, c.table));
    case "l":
      return same(toggleLatency(s));
    case "g":
      return same(openColumnPicker(s));
    case "p":
      return same(openProcessPicker(s));
    case "/": {
      const col = c.table.columns[s.cursor.col];
      if (!col || !s.view.groups.includes(col))
        return same({ ...s, status: "move to a group column (← →) first" });
      return same(openValuePicker(s, col));
    }
    case "h":
      return same({ ...s, help: true });
    case "?":
      return same(peekRow(s, c.table));
    case "f":
      return same(peekRow(s, c.table, "flame"));
    case "t":
      return same(peekRow(s, c.table, "threads"));
    case "r":
      return { state: { ...s, status: "" }, effect: "refresh" };
    case "y":
      return same({ ...s, status: queryCommand(s.view, c.dir) });
    case "+":
    case "=":
    case "-":
    case "[":
    case "]":
    case "0": {
      if (!c.window || !c.extent) return same(s);
      const how = ({ "+": "in", "=": "in", "-": "out", "[": "left", "]": "right", "0": "reset" } as const)[
        key
      ];
      return same(zoom(s, how, c.window, c.extent));
    }
    default:
      return same(s);
  }
}

function pickerKey(s: UiState, key: string, c: KeyContext): UiState {
  const items = c.pickerItems ?? [];
  switch (key) {
    case "esc":
      return closePicker(s);
    case "up":
      return pickerMove(s, -1, items);
    case "down":
      return pickerMove(s, 1, items);
    case "pageup":
      return pickerMove(s, -c.page, items);
    case "pagedown":
      return pickerMove(s, c.page, items);
    case "space":
      return pickerToggle(s, items);
    case "enter":
      return pickerAccept(s, items);
    case "backspace":
      return pickerErase(s);
    default:
      return key.length === 1 ? pickerType(s, key) : s;
  }
}
