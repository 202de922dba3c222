// The one output layer of row-shaped results: a command declares its columns and rows
// once and gets every format from a formatter table (adding a format fails to compile
// until it has a formatter). Tables fit the terminal's width (`Io.columns`); repeated
// windows (`top --interval`) are framed here, so no command writes screen controls.
import { type Cell, renderCsv, renderTable, toJson } from "./table.js";

export const OUTPUT_FORMATS = ["table", "json", "ndjson", "csv"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OutputColumn {
  name: string;
  /** Numbers always show two decimals in a table (avg_threads). */
  fixedDecimals?: boolean;
}

export interface Rowset {
  columns: readonly OutputColumn[];
  rows: readonly (readonly Cell[])[];
}

export interface OutputOptions {
  /** Terminal width for tables (Io.columns); 0: no limit. */
  width?: number;
  /** Cut table cells wider than this. */
  maxCellWidth?: number;
}

const objects = (r: Rowset) =>
  r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));

const FORMATTERS: Record<OutputFormat, (r: Rowset, o: OutputOptions) => string> = {
  table: (r, o) =>
    renderTable(
      r.columns.map((c) => c.name),
      r.rows,
      {
        maxCellWidth: o.maxCellWidth,
        width: o.width,
        fixedDecimals: r.columns.flatMap((c, i) => (c.fixedDecimals ? [i] : [])),
      },
    ),
  json: (r) => `${toJson(objects(r))}\n`,
  ndjson: (r) =>
    objects(r)
      .map((x) => `${toJson(x)}\n`)
      .join(""),
  csv: (r) =>
    renderCsv(
      r.columns.map((c) => c.name),
      r.rows,
    ),
};

/** The rows in one format. */
export function formatRows(format: OutputFormat, r: Rowset, o: OutputOptions = {}): string {
  return FORMATTERS[format](r, o);
}

/** Rows given as objects (DuckDB's), in the order of `columns`. */
export function rowsetOf(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  fixed: string[] = [],
): Rowset {
  return {
    columns: columns.map((name) => ({ name, ...(fixed.includes(name) ? { fixedDecimals: true } : {}) })),
    rows: rows.map((row) => columns.map((c) => row[c] as Cell)),
  };
}

/**
 * The frame around one of several windows of output (`top --interval`): in a table, the
 * window's start time, after moving to the top of a terminal and clearing it.
 */
export function windowFrame(format: OutputFormat, isTTY: boolean, startedAtMs: number): string {
  if (format !== "table") return "";
  return `${isTTY ? "\x1b[H\x1b[2J" : ""}${new Date(startedAtMs).toISOString()}`;
}
