// The pickers: `/` lists the values of a column (searchable; Enter keeps one, Space
// includes/excludes) and `g` lists the columns to group by (Space adds or removes one,
// Enter applies). Pure: the items come from the data layer, the typing from the view.
import {
  clamp,
  cycleFilter,
  drillTo,
  filterOf,
  navigate,
  type Picker,
  setGroups,
  type UiState,
} from "./view-state.js";

export interface PickerItem {
  /** The value (values picker) or the column name (columns picker). */
  key: string;
  /** What is shown after the key (avg threads, a description). */
  note: string;
  /** Also searched when typing (a process's name beside its pid). */
  search?: string;
}

export function openValuePicker(s: UiState, column: string): UiState {
  return { ...s, picker: { kind: "values", column, query: "", selected: 0, chosen: [] }, status: "" };
}

export function openColumnPicker(s: UiState): UiState {
  const chosen = [...s.view.groups];
  return { ...s, picker: { kind: "columns", column: "", query: "", selected: 0, chosen }, status: "" };
}

export function closePicker(s: UiState): UiState {
  return { ...s, picker: null };
}

/** The items whose key (or search text) contains what was typed (case-insensitive), in their order. */
export function visibleItems(p: Picker, items: readonly PickerItem[]): PickerItem[] {
  const q = p.query.toLowerCase();
  return q === ""
    ? [...items]
    : items.filter((i) => i.key.toLowerCase().includes(q) || !!i.search?.toLowerCase().includes(q));
}

/** The column the process picker lists (values with their process names). */
export const PROCESS_COLUMN = "tgid";

/** `p`: pick a process by name or pid (the values picker of tgid; Enter keeps that process). */
export function openProcessPicker(s: UiState): UiState {
  return openValuePicker(s, PROCESS_COLUMN);
}

function withPicker(s: UiState, p: Picker): UiState {
  return { ...s, picker: p };
}

export function pickerType(s: UiState, text: string): UiState {
  if (!s.picker) return s;
  return withPicker(s, { ...s.picker, query: s.picker.query + text, selected: 0 });
}

export function pickerErase(s: UiState): UiState {
  if (!s.picker) return s;
  return withPicker(s, { ...s.picker, query: s.picker.query.slice(0, -1), selected: 0 });
}

export function pickerMove(s: UiState, delta: number, items: readonly PickerItem[]): UiState {
  if (!s.picker) return s;
  const n = visibleItems(s.picker, items).length;
  return withPicker(s, { ...s.picker, selected: clamp(s.picker.selected + delta, 0, Math.max(0, n - 1)) });
}

function current(s: UiState, items: readonly PickerItem[]): PickerItem | undefined {
  return s.picker ? visibleItems(s.picker, items)[s.picker.selected] : undefined;
}

/** Space: values: include → exclude → neither; columns: add or remove the column. */
export function pickerToggle(s: UiState, items: readonly PickerItem[]): UiState {
  const p = s.picker;
  const it = current(s, items);
  if (!p || !it) return s;
  if (p.kind === "columns") {
    const chosen = p.chosen.includes(it.key) ? p.chosen.filter((c) => c !== it.key) : [...p.chosen, it.key];
    return withPicker(s, { ...p, chosen });
  }
  const view = cycleFilter(s.view, p.column, it.key);
  const op = filterOf(view, p.column, it.key);
  const words = op === "=" ? "included" : op === "!=" ? "excluded" : "no longer filtered";
  const next = navigate(s, view, `${p.column}=${it.key} ${words}`);
  return { ...next, picker: p, cursor: s.cursor, top: s.top };
}

/**
 * Enter: values: drill to the highlighted value; columns: group by the columns chosen
 * with Space, or by the highlighted one alone when Space was not used.
 */
export function pickerAccept(s: UiState, items: readonly PickerItem[]): UiState {
  const p = s.picker;
  if (!p) return s;
  const closed = closePicker(s);
  if (p.kind === "columns") {
    // Nothing added or removed with Space: group by the highlighted column alone.
    const it = current(s, items);
    const touched = p.chosen.join(",") !== s.view.groups.join(",");
    const chosen = touched ? p.chosen : it ? [it.key] : [];
    return setGroups(closed, chosen);
  }
  const it = current(s, items);
  if (!it) return { ...closed, status: "no value matches" };
  return drillTo(closed, p.column, it.key);
}
