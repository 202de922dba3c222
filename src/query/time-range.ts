// Times on the command line: ISO ("2025-09-05 13:05", "2025-09-05T13:05:00"), a time of
// day ("13:05", on the day the data ends), relative to the end of the data ("-1h",
// "-30m", "-90s", "-2d"), or relative to now ("now", "now-1h"). Data timestamps are
// naive (tsnap: UTC; xcapture: the capturing host's local time), so these are too.
import { UsageError } from "../errors.js";
import { formatTimestampUs } from "../store/files.js";

const UNIT_US: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 };

/** Parse a duration "90s", "5m", "1h", "7d" → µs. */
export function parseDurationUs(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: bad duration '${text}' (use e.g. 90s, 5m, 1h, 7d)`);
  return Number(m[1]) * UNIT_US[m[2]];
}

/** Parse a time → µs since the epoch (naive, read as UTC). */
export function parseTimeUs(text: string, nowUs: number, endUs: number, flag: string): number {
  const t = text.trim();
  const rel = /^(now)?([-+])(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(t);
  if (rel) {
    const base = rel[1] ? nowUs : endUs;
    return base + (rel[2] === "-" ? -1 : 1) * Number(rel[3]) * UNIT_US[rel[4]];
  }
  if (t === "now") return nowUs;
  const tod = /^(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/.exec(t);
  if (tod && Number(tod[1]) < 24 && Number(tod[2]) < 60 && Number(tod[3] ?? 0) < 60) {
    const day = new Date(Math.floor(endUs / 1000)).toISOString().slice(0, 10);
    const us = Date.parse(`${day}T00:00:00Z`) * 1000;
    return us + Number(tod[1]) * 3600e6 + Number(tod[2]) * 60e6 + Number(tod[3] ?? 0) * 1e6;
  }
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?Z?$/.exec(t);
  if (iso) {
    const ms = Date.parse(`${iso[1]}T${iso[2] ?? "00:00"}${iso[2] && iso[2].length <= 5 ? ":00" : ""}Z`);
    if (Number.isFinite(ms)) return ms * 1000;
  }
  throw new UsageError(`${flag}: bad time '${text}' (use 2025-09-05T13:05, 13:05, -1h or now-1h)`);
}

/** A time value for a bound parameter: "YYYY-MM-DD HH:MM:SS.ffffff". */
export function parseTimeValue(text: string, nowUs: number, endUs: number, flag: string): string {
  return formatTimestampUs(parseTimeUs(text, nowUs, endUs, flag));
}
