// ship's ledger (SPOOL/shipped.log): an append-only, fsynced record of what was cut and what
// the store confirmed, read back at every start. Three kinds of line:
//   <segment> <table> <key> <md5> <rows>     the store confirmed this object (ETag = MD5)
//   cut <segment> <hour> <part> <part key> <end µs|close> <table:rows,...>
//                                            a segment of an hour's part was cut: its spool
//                                            files were complete (renamed, fsynced) before
//                                            this line; after it, the segment is uploaded
//                                            from them, never cut again
//   closed <hour> <part> <part key>          that part's closing segment is confirmed: its
//                                            kept window copies may go
// The write-ahead `cut` line is what makes ship exact under SIGKILL: a segment cut before a
// kill is uploaded from the same bytes after it, under the same name, whatever rows reached
// the capture's files in between. Parsing is pure; `appendLedger` is the one writer.
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from "node:fs";

export interface Cut {
  segment: string;
  hour: string;
  part: number;
  partKey: string;
  /** Window end (µs), or null for a part's closing segment. */
  endUs: number | null;
  /** Tables with rows, and how many. */
  tables: Map<string, number>;
}

export interface Ledger {
  /** `<segment>/<table>` confirmed by the store. */
  done: Set<string>;
  /** Cut segments, in ledger order. */
  cuts: Cut[];
  /** `<hour>_<part>_<part key>` whose closing segment is confirmed. */
  closed: Set<string>;
}

export const LEDGER = "shipped.log";

export const partId = (hour: string, part: number, partKey: string) => `${hour}_${part}_${partKey}`;

/** Pure: the ledger's lines (a torn last line, from a crash mid-append, is ignored). */
export function parseLedger(text: string): Ledger {
  const led: Ledger = { done: new Set(), cuts: [], closed: new Set() };
  const lines = text.split("\n");
  if (!text.endsWith("\n")) lines.pop(); // torn (or empty) last line
  for (const line of lines) {
    const w = line.split(" ");
    if (w[0] === "cut" && w.length === 7) {
      const tables = new Map<string, number>();
      for (const t of w[6] === "-" ? [] : w[6].split(",")) {
        const [name, rows] = t.split(":");
        tables.set(name, Number(rows));
      }
      led.cuts.push({
        segment: w[1],
        hour: w[2],
        part: Number(w[3]),
        partKey: w[4],
        endUs: w[5] === "close" ? null : Number(w[5]),
        tables,
      });
    } else if (w[0] === "closed" && w.length === 4) led.closed.add(partId(w[1], Number(w[2]), w[3]));
    else if (w.length >= 2 && w[0] && w[1]) led.done.add(`${w[0]}/${w[1]}`);
  }
  return led;
}

export function readLedger(path: string): Ledger {
  return parseLedger(existsSync(path) ? readFileSync(path, "utf8") : "");
}

export function cutLine(c: Cut): string {
  const tables = [...c.tables].map(([t, n]) => `${t}:${n}`).join(",") || "-";
  return `cut ${c.segment} ${c.hour} ${c.part} ${c.partKey} ${c.endUs ?? "close"} ${tables}\n`;
}

/** Append lines and fsync before returning: a line in the ledger survives a crash. */
export function appendLedger(path: string, text: string): void {
  const fd = openSync(path, "a", 0o600);
  try {
    appendFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Is every table of a cut confirmed? */
export const cutDone = (led: Ledger, c: Cut) =>
  [...c.tables.keys()].every((t) => led.done.has(`${c.segment}/${t}`));
