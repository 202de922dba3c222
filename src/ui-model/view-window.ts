// The time window of a view and its zoom: in to the middle half, out to twice as wide,
// pan by a quarter, back to the default. Pure; the extent (the data's first and last
// time) comes from the data layer. A window of one second or less is not narrowed.
import { clamp, navigate, type UiState, type View } from "./view-state.js";

export interface Extent {
  /** First sampled time and the end of the data (µs). */
  startUs: number;
  endUs: number;
}

export interface Window {
  fromUs: number;
  toUs: number;
}

/** The window shown: the view's, or the default (the last `defaultUs` of the data). */
export function effectiveWindow(v: View, extent: Extent, defaultUs: number): Window {
  if (v.fromUs !== null && v.toUs !== null) return { fromUs: v.fromUs, toUs: v.toUs };
  const toUs = extent.endUs;
  return { fromUs: Math.max(Math.min(extent.startUs, toUs - 1e6), toUs - defaultUs), toUs };
}

const MIN_US = 2e6;

export type Zoom = "in" | "out" | "left" | "right" | "reset";

/** The window after a zoom or pan; null for `reset` (the default window). */
export function zoomWindow(w: Window, how: Zoom, extent: Extent): Window | null {
  const width = w.toUs - w.fromUs;
  const mid = w.fromUs + width / 2;
  switch (how) {
    case "reset":
      return null;
    case "in": {
      if (width <= MIN_US) return w;
      return { fromUs: Math.round(mid - width / 4), toUs: Math.round(mid + width / 4) };
    }
    case "out": {
      const lo = Math.min(extent.startUs, w.fromUs);
      const hi = Math.max(extent.endUs, w.toUs);
      const fromUs = Math.max(lo, Math.round(mid - width));
      const toUs = Math.min(hi, Math.round(mid + width));
      return { fromUs, toUs };
    }
    case "left":
    case "right": {
      const shift = (how === "left" ? -1 : 1) * Math.round(width / 4);
      const lo = Math.min(extent.startUs, w.fromUs);
      const hi = Math.max(extent.endUs, w.toUs);
      const fromUs = clamp(w.fromUs + shift, lo, Math.max(lo, hi - width));
      return { fromUs, toUs: fromUs + width };
    }
  }
}

/** Zoom the view (a new view: Backspace returns to the previous window). */
export function zoom(s: UiState, how: Zoom, current: Window, extent: Extent): UiState {
  const w = zoomWindow(current, how, extent);
  const v = s.view;
  if (w === null) return v.fromUs === null ? s : navigate(s, { ...v, fromUs: null, toUs: null });
  if (w.fromUs === current.fromUs && w.toUs === current.toUs)
    return {
      ...s,
      status: how === "in" ? "the window is as narrow as it goes" : "the window covers the data",
    };
  const next = navigate(s, { ...v, fromUs: w.fromUs, toUs: w.toUs });
  return { ...next, cursor: s.cursor };
}

/** Timeline bucket widths (s): the smallest that fits the window into `columns`. */
const NICE_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

export function bucketSeconds(w: Window, columns: number): number {
  const need = (w.toUs - w.fromUs) / 1e6 / Math.max(1, columns);
  return NICE_S.find((s) => s >= need) ?? NICE_S[NICE_S.length - 1];
}

/** The window a differential flame graph compares the view's with. */
export type BaseChoice = "prev" | "day" | "all";

export const BASE_CHOICES: readonly BaseChoice[] = ["prev", "day", "all"];

/**
 * The base window of a comparison: the window of the same length just before (prev), the
 * same window a day earlier (day), or all of the data (all). Widths in avg threads make
 * windows of different lengths comparable.
 */
export function baseWindow(w: Window, how: BaseChoice, extent: Extent): Window {
  const width = w.toUs - w.fromUs;
  if (how === "prev") return { fromUs: w.fromUs - width, toUs: w.fromUs };
  if (how === "day") return { fromUs: w.fromUs - 86400e6, toUs: w.toUs - 86400e6 };
  return { fromUs: Math.min(extent.startUs, w.fromUs), toUs: Math.max(extent.endUs, w.toUs) };
}
