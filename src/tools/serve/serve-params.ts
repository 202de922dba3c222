// The parameters of an API request, checked before anything is queried: the view (the
// navigation model's URL serialization, view-url.ts), then every column it names against
// the query layer's column list, the window's bounds, and the few parameters of each
// endpoint. Pure: a URLSearchParams in, typed parameters out, or a UsageError (a 400
// with one line). No SQL text is ever taken from a request: columns are looked up by name
// and filter values are bound as parameters by the -w language (query/filter.ts).
import { UsageError } from "../../errors.js";
import { column } from "../../query/columns.js";
import type { HistKind } from "../../query/hist-latency.js";
import type { View } from "../../ui-model/view-state.js";
import { viewFromQuery } from "../../ui-model/view-url.js";
import { DEFAULT_LEVELS, type Level, parseLevels } from "../flame/history-stacks.js";

/** The keys a request may carry; any other is refused (a typo must not pass silently). */
const VIEW_KEYS = ["g", "f", "from", "to", "sort", "lat"];
const KEYS: Record<string, readonly string[]> = {
  view: [...VIEW_KEYS, "by", "cols"],
  hist: [...VIEW_KEYS, "kind"],
  heatmap: [...VIEW_KEYS, "kind", "cols"],
  flame: [...VIEW_KEYS, "levels", "bfrom", "bto"],
  values: [...VIEW_KEYS, "column"],
  stacks: VIEW_KEYS,
  lanes: [...VIEW_KEYS, "cols", "threads"],
  profile: ["kind", "pid", "seconds"],
  info: [],
};

export type Endpoint = keyof typeof KEYS;

export const MAX_GROUPS = 8;
export const MAX_FILTERS = 64;
export const MAX_VALUE_LENGTH = 4096;
/** The widest window a request may ask for: 400 days. */
export const MAX_WINDOW_US = 400 * 86400e6;
/** The last time a window may reach: 2200-01-01 (µs). */
export const MAX_TIME_US = 7258118400e6;
export const DEFAULT_BUCKETS = 200;
export const MAX_BUCKETS = 2000;

export interface ViewParams {
  view: View;
  /** Timeline: stack the buckets by this column. */
  by: string;
  /** Timeline: about this many buckets across the window. */
  buckets: number;
}

export interface HistParams {
  view: View;
  kind: HistKind;
}

export interface HeatParams {
  view: View;
  kind: HistKind;
  /** Time buckets: about this many across the window (as the timeline's). */
  buckets: number;
}

export interface FlameParams {
  view: View;
  levels: Level[];
  /** A differential graph: the window compared with (before), the view's being after. */
  base: { fromUs: number; toUs: number } | null;
}

export interface LanesParams {
  view: View;
  /** Time buckets: about this many across the window (as the timeline's). */
  buckets: number;
  /** Lanes: the busiest this many threads. */
  threads: number;
}

export const DEFAULT_LANES = 30;
export const MAX_LANES = 200;

export interface ValuesParams {
  view: View;
  column: string;
}

function checkKeys(p: URLSearchParams, endpoint: Endpoint): void {
  const allowed = KEYS[endpoint];
  for (const k of p.keys()) if (!allowed.includes(k)) throw new UsageError(`unknown parameter '${short(k)}'`);
  for (const k of [
    "from",
    "to",
    "sort",
    "lat",
    "g",
    "by",
    "cols",
    "kind",
    "levels",
    "column",
    "bfrom",
    "bto",
    "threads",
    "pid",
    "seconds",
  ])
    if (p.getAll(k).length > 1) throw new UsageError(`parameter '${k}' given twice`);
}

/** A request text cut for an error line (it may be long and hostile). */
function short(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f]/g, "?");
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** The view of a request, every column it names known to the query layer. */
export function parseView(p: URLSearchParams): View {
  let view: View;
  try {
    view = viewFromQuery(p.toString());
  } catch (err) {
    throw new UsageError(short((err as Error).message));
  }
  if (view.groups.length > MAX_GROUPS) throw new UsageError(`g: at most ${MAX_GROUPS} group columns`);
  if (view.filters.length > MAX_FILTERS) throw new UsageError(`f: at most ${MAX_FILTERS} filters`);
  view.groups = view.groups.map((g) => column(g, "g").name);
  if (new Set(view.groups).size !== view.groups.length) throw new UsageError("g: a column given twice");
  for (const f of view.filters) {
    f.column = column(f.column, "f").name;
    if (f.value.length > MAX_VALUE_LENGTH) throw new UsageError(`f: a value longer than ${MAX_VALUE_LENGTH}`);
  }
  if (view.fromUs !== null && view.toUs !== null) {
    if (view.fromUs < 0 || view.toUs > MAX_TIME_US) throw new UsageError("from/to: outside 1970-2200");
    if (view.toUs - view.fromUs > MAX_WINDOW_US)
      throw new UsageError("from/to: a window of at most 400 days");
  }
  return view;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A column named by a parameter: a plain name, known to the query layer. */
function columnParam(raw: string, key: string) {
  if (!NAME.test(raw)) throw new UsageError(`${key}: not a column name`);
  return column(raw, key);
}

function intParam(p: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const raw = p.get(key);
  if (raw === null) return fallback;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new UsageError(`${key}: a whole number from ${min} to ${max}`);
  return Number(raw);
}

export function viewParams(p: URLSearchParams): ViewParams {
  checkKeys(p, "view");
  const view = parseView(p);
  const by = columnParam(p.get("by") ?? "state", "by");
  if (by.bucketUs !== undefined) throw new UsageError("by: a time bucket cannot stack a timeline");
  return { view, by: by.name, buckets: intParam(p, "cols", DEFAULT_BUCKETS, 10, MAX_BUCKETS) };
}

const HIST_KINDS: readonly HistKind[] = ["sc", "io", "ioq", "rq"];

export function histParams(p: URLSearchParams): HistParams {
  checkKeys(p, "hist");
  return { view: parseView(p), kind: kindParam(p) };
}

function kindParam(p: URLSearchParams): HistKind {
  const kind = (p.get("kind") ?? "sc") as HistKind;
  if (!HIST_KINDS.includes(kind)) throw new UsageError(`kind: one of ${HIST_KINDS.join(", ")}`);
  return kind;
}

export function heatParams(p: URLSearchParams): HeatParams {
  checkKeys(p, "heatmap");
  const view = parseView(p);
  return { view, kind: kindParam(p), buckets: intParam(p, "cols", DEFAULT_BUCKETS, 10, MAX_BUCKETS) };
}

export function flameParams(p: URLSearchParams): FlameParams {
  checkKeys(p, "flame");
  const view = parseView(p);
  const raw = p.get("levels");
  const names = raw === null ? DEFAULT_LEVELS : raw.split(",").filter((x) => x.length > 0);
  if (names.length > MAX_GROUPS) throw new UsageError(`levels: at most ${MAX_GROUPS}`);
  for (const n of names) if (!NAME.test(n)) throw new UsageError("levels: not a column name");
  return { view, levels: parseLevels(names), base: baseParam(p) };
}

/** `bfrom`/`bto` (µs): the base window of a differential flame graph, bounded as from/to. */
function baseParam(p: URLSearchParams): { fromUs: number; toUs: number } | null {
  const a = p.get("bfrom");
  const b = p.get("bto");
  if (a === null && b === null) return null;
  if (a === null || b === null) throw new UsageError("bfrom and bto go together");
  if (!/^\d{1,16}$/.test(a) || !/^\d{1,16}$/.test(b)) throw new UsageError("bfrom/bto: µs since the epoch");
  const fromUs = Number(a);
  const toUs = Number(b);
  if (fromUs >= toUs) throw new UsageError("bfrom/bto: bfrom before bto");
  if (toUs > MAX_TIME_US) throw new UsageError("bfrom/bto: outside 1970-2200");
  if (toUs - fromUs > MAX_WINDOW_US) throw new UsageError("bfrom/bto: a window of at most 400 days");
  return { fromUs, toUs };
}

export function valuesParams(p: URLSearchParams): ValuesParams {
  checkKeys(p, "values");
  const view = parseView(p);
  const raw = p.get("column");
  if (raw === null) throw new UsageError("column: missing");
  return { view, column: columnParam(raw, "column").name };
}

export function stacksParams(p: URLSearchParams): { view: View } {
  checkKeys(p, "stacks");
  return { view: parseView(p) };
}

export function lanesParams(p: URLSearchParams): LanesParams {
  checkKeys(p, "lanes");
  return {
    view: parseView(p),
    buckets: intParam(p, "cols", DEFAULT_BUCKETS, 10, MAX_BUCKETS),
    threads: intParam(p, "threads", DEFAULT_LANES, 1, MAX_LANES),
  };
}

export const MAX_PROFILE_SECONDS = 30;

/** `/api/profile.svg` (live only): kind cpu | offcpu, a process id, 1-30 seconds. */
export function profileParams(p: URLSearchParams): { kind: "cpu" | "offcpu"; pid: number; seconds: number } {
  checkKeys(p, "profile");
  const kind = p.get("kind") ?? "cpu";
  if (kind !== "cpu" && kind !== "offcpu") throw new UsageError("kind: cpu or offcpu");
  if (p.get("pid") === null) throw new UsageError("pid: missing");
  return {
    kind,
    pid: intParam(p, "pid", 0, 1, 4194304),
    seconds: intParam(p, "seconds", 5, 1, MAX_PROFILE_SECONDS),
  };
}

export function infoParams(p: URLSearchParams): void {
  checkKeys(p, "info");
}
