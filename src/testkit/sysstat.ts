// sysstat beside a tsnap command: the environment that makes its output parseable (C
// locale, UTC, ISO dates), parsers of mpstat, iostat -x and sar -n DEV's per-second lines,
// and the average of the seconds that lie wholly inside a report's window.
import assert from "node:assert/strict";

export const SYSSTAT_ENV = { ...process.env, LC_ALL: "C", TZ: "UTC", S_TIME_FORMAT: "ISO" };

export interface SysstatRow {
  /** When the second the row reports ended (truncated to the second by its stamp). */
  endMs: number;
  values: Record<string, number>;
}

/**
 * sysstat's per-second reports that lie wholly inside check's window (its start and length),
 * averaged per column: the windows then agree, whatever the start-up time of either.
 */
export function withinWindow(
  rows: SysstatRow[],
  r: { started_at: string; duration_s: number },
): Record<string, number> {
  const start = Date.parse(r.started_at);
  const end = start + r.duration_s * 1000;
  // A stamp is truncated to the second: the report ended in [stamp, stamp + 1 s).
  const inside = rows.filter((x) => x.endMs - 1000 >= start && x.endMs + 1000 <= end);
  assert.ok(inside.length >= 2, `only ${inside.length} whole seconds of sysstat inside the window`);
  const avg: Record<string, number> = {};
  for (const k of Object.keys(inside[0].values)) {
    const v = inside.map((x) => x.values[k]);
    avg[k] = v.reduce((s, x) => s + x, 0) / v.length;
    // How much the load itself moved from second to second (the edges of the windows differ).
    avg[`spread ${k}`] = Math.max(...v) - Math.min(...v);
  }
  return avg;
}

/** `TZ=UTC mpstat 1 N`: lines "HH:MM:SS all %usr ..." of today (UTC). */
export function mpstatRows(text: string): SysstatRow[] {
  const lines = text.split("\n");
  const head = lines
    .find((l) => /%usr/.test(l))!
    .trim()
    .split(/\s+/);
  const today = new Date().toISOString().slice(0, 10);
  return lines
    .filter((l) => /^\d\d:\d\d:\d\d\s+all\s/.test(l))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      const values: Record<string, number> = {};
      head.forEach((h, i) => {
        if (h.startsWith("%")) values[h] = Number(f[i]);
      });
      return { endMs: Date.parse(`${today}T${f[0]}Z`), values };
    });
}

/** `S_TIME_FORMAT=ISO iostat -xyd -t DEV 1 N`: an ISO stamp line, a header, the device's line. */
export function iostatRows(text: string, dev: string): SysstatRow[] {
  const out: SysstatRow[] = [];
  let stamp = 0;
  let head: string[] = [];
  for (const l of text.split("\n")) {
    const f = l.trim().split(/\s+/);
    if (/^\d{4}-\d\d-\d\dT/.test(l)) stamp = Date.parse(l.trim().replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
    else if (f[0] === "Device") head = f;
    else if (f[0] === dev) {
      const values: Record<string, number> = {};
      head.forEach((h, i) => {
        if (i > 0) values[h] = Number(f[i]);
      });
      out.push({ endMs: stamp, values });
    }
  }
  return out;
}

/** `TZ=UTC sar -n DEV 1 N`: lines "HH:MM:SS IFACE rxpck/s ..." of today (UTC), of one interface. */
export function sarDevRows(text: string, iface: string): SysstatRow[] {
  let head: string[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const out: SysstatRow[] = [];
  for (const l of text.split("\n")) {
    const f = l.trim().split(/\s+/);
    if (!/^\d\d:\d\d:\d\d$/.test(f[0] ?? "")) continue;
    if (f[1] === "IFACE") head = f;
    else if (f[1] === iface && head.length) {
      const values: Record<string, number> = {};
      head.forEach((h, i) => {
        if (i > 1) values[h] = Number(f[i]);
      });
      out.push({ endMs: Date.parse(`${today}T${f[0]}Z`), values });
    }
  }
  return out;
}
