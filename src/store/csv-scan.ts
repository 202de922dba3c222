// Finds the rows of a tsnap CSV file that do not parse, by line, without trusting the
// damage to be polite: DuckDB gives up on a whole file after a stray quote or a bad UTF-8
// byte (or, told to ignore errors, silently drops thousands of good rows after it). Here
// every record is checked on its own (UTF-8, quoting as csv-row.ts writes it, column
// count, each value's type), and after a bad one the scan starts again at the next line,
// so every good row around the damage is kept. The good rows can be copied out to a
// clean file that DuckDB then reads strictly.
import { createReadStream, type WriteStream } from "node:fs";
import { csvHeader } from "./csv-row.js";
import { type ColumnType, TABLES, type TableName } from "./schema.js";

/**
 * A record may span lines (a quoted newline: a command line holding a shell script spans
 * hundreds); one longer than this is damage. Rows are shorter (cmdline is capped at
 * 64 KiB, paths at PATH_MAX), so this only bounds how far a stray quote makes the scan look.
 */
const MAX_RECORD_BYTES = 1 << 20;

export interface ScanResult {
  /** Physical lines in the file, header included. */
  lines: number;
  /** Records that parse (header not counted). */
  goodRows: number;
  /** Lines that belong to no good record, as [first, last] (1-based, inclusive). */
  badRanges: [number, number][];
  /** Number of bad lines (sum over badRanges). */
  badLines: number;
  /** The file ends inside a line (a write in progress, or cut short). */
  partialTail: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;
const INT_RE = /^-?\d{1,19}$/;

/** Split one record's text into fields, or "open" (a quoted field runs past the end), or null (bad). */
export function splitRecord(text: string): { value: string; quoted: boolean }[] | "open" | null {
  const fields: { value: string; quoted: boolean }[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        const k = text.indexOf('"', j);
        if (k < 0) return "open";
        if (text[k + 1] === '"') {
          value += text.slice(j, k + 1);
          j = k + 2;
          continue;
        }
        value += text.slice(j, k);
        i = k + 1;
        break;
      }
      fields.push({ value, quoted: true });
      if (i === text.length) return fields;
      if (text[i] !== ",") return null;
      i++;
    } else {
      const k = text.indexOf(",", i);
      const value = k < 0 ? text.slice(i) : text.slice(i, k);
      if (/["\r\n]/.test(value)) return null;
      fields.push({ value, quoted: false });
      if (k < 0) return fields;
      i = k + 1;
    }
    if (i === text.length) {
      fields.push({ value: "", quoted: false });
      return fields;
    }
  }
}

function valueFits(type: ColumnType, f: { value: string; quoted: boolean }): boolean {
  if (type === "VARCHAR") return true;
  if (f.quoted) return false;
  if (f.value === "") return true; // NULL
  if (type === "TIMESTAMP") {
    const m = TIMESTAMP_RE.exec(f.value);
    if (!m) return false;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    return t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  }
  if (!INT_RE.test(f.value)) return false;
  if (f.value.length < (type === "INTEGER" ? 10 : 18)) return true;
  const n = BigInt(f.value);
  return type === "INTEGER"
    ? n >= -2147483648n && n <= 2147483647n
    : n >= -9223372036854775808n && n <= 9223372036854775807n;
}

/** True when `text` (one record, without its final newline) is a good row of `table`. */
export function recordFits(table: TableName, text: string): boolean | "open" {
  const fields = splitRecord(text);
  if (fields === "open" || fields === null) return fields === "open" ? "open" : false;
  const cols = TABLES[table].columns;
  return fields.length === cols.length && cols.every((c, i) => valueFits(c.type, fields[i]));
}

/** Physical lines of a file as buffers (without "\n"); `partial` is set on a last line with no "\n". */
async function* lines(path: string, tail: { partial: boolean }): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      yield buf.subarray(start, nl);
      start = nl + 1;
    }
    buf = buf.subarray(start);
    carry = Buffer.from(buf);
  }
  if (carry.length > 0) {
    tail.partial = true;
    yield carry;
  }
}

/**
 * Scan a tsnap CSV file of `table`. Line 1 must be the header (if it is not, it counts as
 * a bad line). With `out`, the header and every good record are written to it.
 */
export async function scanCsv(path: string, table: TableName, out?: WriteStream): Promise<ScanResult> {
  const header = csvHeader(table).trimEnd();
  const tail = { partial: false };
  const it = lines(path, tail);
  const pending: { no: number; buf: Buffer }[] = [];
  let lineNo = 0;
  const next = async (): Promise<{ no: number; buf: Buffer } | null> => {
    const p = pending.shift();
    if (p) return p;
    const r = await it.next();
    if (r.done) return null;
    return { no: ++lineNo, buf: r.value };
  };
  const res: ScanResult = { lines: 0, goodRows: 0, badRanges: [], badLines: 0, partialTail: false };
  const bad = (no: number) => {
    const last = res.badRanges.at(-1);
    if (last && last[1] === no - 1) last[1] = no;
    else res.badRanges.push([no, no]);
    res.badLines++;
  };
  const write = async (text: string) => {
    if (out && !out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
  };
  await write(`${header}\n`);
  for (let first = await next(); first !== null; first = await next()) {
    if (first.no === 1) {
      if (decode(first.buf) !== header) bad(1);
      continue;
    }
    // Grow the record line by line while a quoted field is open (an odd number of quotes
    // so far: "" inside a field counts two), then check it once: linear in its length.
    const taken = [first];
    let quotes = countQuotes(first.buf);
    let bytes = first.buf.length;
    while (quotes % 2 === 1 && bytes < MAX_RECORD_BYTES) {
      const more = await next();
      if (more === null) break;
      taken.push(more);
      bytes += more.buf.length + 1;
      quotes += countQuotes(more.buf);
    }
    const text = quotes % 2 === 0 ? decode(taken.length === 1 ? first.buf : joinLines(taken)) : null;
    if (text !== null && recordFits(table, text) === true) {
      res.goodRows++;
      await write(`${text}\n`);
    } else {
      bad(first.no);
      pending.unshift(...taken.slice(1)); // start again at the line after the bad one
    }
  }
  res.lines = lineNo;
  res.partialTail = tail.partial;
  return res;
}

function countQuotes(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x22); i >= 0; i = buf.indexOf(0x22, i + 1)) n++;
  return n;
}

function joinLines(taken: { buf: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const t of taken) parts.push(t.buf, NEWLINE);
  parts.pop();
  return Buffer.concat(parts);
}
const NEWLINE = Buffer.from("\n");

function decode(buf: Buffer): string | null {
  try {
    return utf8.decode(buf);
  } catch {
    return null;
  }
}

/** "lines 3-5, 9" (at most `max` ranges, then "..."). */
export function describeRanges(ranges: [number, number][], max = 5): string {
  const shown = ranges.slice(0, max).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  const more = ranges.length > max ? `, ... (${ranges.length} ranges)` : "";
  const one = ranges.length === 1 && ranges[0][0] === ranges[0][1];
  return `line${one ? "" : "s"} ${shown.join(", ")}${more}`;
}
