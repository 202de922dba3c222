// Plain-text tables and CSV: the one renderer every command uses. Pure: takes rows and
// returns text. Numbers are right-aligned, text left-aligned, "|" between columns (psn).
import { plainBigint } from "../platform/values.js";

export type Cell = string | number | bigint | boolean | null | undefined;

export interface TableOptions {
  /** Decimal places for non-integer numbers (default 2). */
  decimals?: number;
  /** Cut cells wider than this many characters (default: no limit). */
  maxCellWidth?: number;
  /** Column indexes whose numbers always show `decimals` places (2.00, not 2). */
  fixedDecimals?: readonly number[];
  /** Fit lines into this many characters (a terminal's width) by cutting the widest text
   * columns, never below 8 characters or a number; 0 or absent: no limit. */
  width?: number;
}

export function formatCell(v: Cell, decimals = 2, fixed = false): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number") return Number.isInteger(v) && !fixed ? String(v) : v.toFixed(decimals);
  return String(v);
}

export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  opts: TableOptions = {},
): string {
  const decimals = opts.decimals ?? 2;
  const cut = (s: string) =>
    opts.maxCellWidth !== undefined && s.length > opts.maxCellWidth
      ? `${s.slice(0, opts.maxCellWidth - 1)}…`
      : s;
  const fixed = new Set(opts.fixedDecimals ?? []);
  const text = rows.map((r) => r.map((v, i) => cut(formatCell(v, decimals, fixed.has(i)))));
  const numeric = headers.map(
    (_, i) =>
      rows.length > 0 &&
      rows.every((r) => r[i] === null || typeof r[i] === "number" || typeof r[i] === "bigint"),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  if (opts.width) fitWidth(opts.width, headers, text, widths, numeric);
  const line = (cells: readonly string[]) =>
    ` ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")}`.trimEnd();
  const out = [line(headers), `-${widths.map((w) => "-".repeat(w)).join("-+-")}-`];
  for (const r of text) out.push(line(r));
  return `${out.join("\n")}\n`;
}

/** Cuts the widest text column by one character until a line fits (or none can shrink). */
function fitWidth(
  width: number,
  headers: readonly string[],
  text: string[][],
  widths: number[],
  numeric: boolean[],
) {
  const MIN = 8;
  // The rule line is the longest: "-" + widths joined by "-+-" + "-".
  const total = () => 2 + widths.reduce((a, w) => a + w, 0) + 3 * (widths.length - 1);
  let changed = false;
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if (
        !numeric[i] &&
        widths[i] > Math.max(MIN, headers[i].length) &&
        (widest < 0 || widths[i] > widths[widest])
      )
        widest = i;
    if (widest < 0) break;
    widths[widest]--;
    changed = true;
  }
  if (!changed) return;
  for (const r of text)
    for (let i = 0; i < r.length; i++) if (r[i].length > widths[i]) r[i] = `${r[i].slice(0, widths[i] - 1)}…`;
}

/** RFC 4180 CSV: quote fields with a comma, quote, or newline. */
export function renderCsv(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const field = (v: Cell) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[headers, ...rows].map((r) => r.map(field).join(",")).join("\n")}\n`;
}

/** JSON with bigints written as numbers when safe, else as decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? plainBigint(v) : v), indent);
}

/** A JSON array with one element per line: valid JSON that still greps well. Pure. */
export function jsonArray(items: readonly unknown[]): string {
  return items.length === 0 ? "[]\n" : `[\n${items.map((x) => JSON.stringify(x)).join(",\n")}\n]\n`;
}
