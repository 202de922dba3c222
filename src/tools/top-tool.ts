// What the top-style tools share (biotop, filetop, slabratetop, tcptop, udptop: like
// libbpf-tools', the busiest rows of a map of counters every interval): the -C, -r and -s
// flags, the [interval] [count] positionals, the loop (wait, take, sort, clear the screen
// or not, text or NDJSON, the counts the kernel lost), the time and loadavg line, the
// ordering, and the differences between two reads of a map of cumulative counters. A tool
// gives its kernel program (a TopSource), its sort keys and its columns.
import { readFileSync } from "node:fs";
import { requireBpfPrivilege } from "../bpf/privilege.js";
import { decimalFlag, type Flag, oneOfFlag, switchFlag } from "../command/args.js";
import type { Io } from "../command/command.js";
import { parseIntervalCount } from "../command/flags.js";
import { UsageError } from "../errors.js";
import { waitOrAbort } from "../platform/abortable-sleep.js";
import { toJson } from "../report/table.js";
import { hhmmss } from "./hist-tool.js";

/** -C, -r ROWS and -s SORT, as libbpf-tools' top tools have them. */
export function topFlags<S extends string>(o: {
  /** The metavariable of -r (biotop and filetop say MAXROWS, as their C tools). */
  rowsArg: string;
  sortHelp: string;
  sorts: readonly S[];
  sortFallback: S;
}): { noclear: Flag<boolean>; rows: Flag<number>; sort: Flag<S> } {
  return {
    noclear: switchFlag({ long: "noclear", short: "C", help: "do not clear the screen between reports" }),
    rows: decimalFlag({
      long: "rows",
      short: "r",
      arg: o.rowsArg,
      help: `at most ${o.rowsArg} rows per report (default 20)`,
      min: 1,
      max: 10240,
      integer: true,
      fallback: 20,
    }),
    sort: oneOfFlag({
      long: "sort",
      short: "s",
      arg: "SORT",
      help: o.sortHelp,
      choices: o.sorts,
      fallback: o.sortFallback,
    }),
  };
}

/** The positionals' help. */
export const TOP_ARGS = [
  { name: "interval", help: "seconds between reports (default 1)" },
  { name: "count", help: "number of reports (default: until Ctrl-C)" },
];

/**
 * `[interval] [count]`: seconds (default 1, as libbpf-tools, not one report at the end)
 * and reports (default until Ctrl-C). `whole`: the interval a whole number of seconds, as
 * tcptop's C tool takes it. Pure.
 */
export function topTimes(p: readonly string[], whole = false): { intervalS: number; count: number } {
  if (!whole) {
    const ic = parseIntervalCount(p);
    return { intervalS: ic.intervalS === Number.POSITIVE_INFINITY ? 1 : ic.intervalS, count: ic.count };
  }
  const num = (t: string, what: string) => {
    if (!/^\d+$/.test(t) || Number(t) < 1)
      throw new UsageError(`${what} must be a whole number of at least 1, got '${t}'`);
    return Number(t);
  };
  if (p.length > 2) throw new UsageError(`unexpected argument '${p[2]}'`);
  return {
    intervalS: p[0] === undefined ? 1 : num(p[0], "interval"),
    count: p[1] === undefined ? Number.POSITIVE_INFINITY : num(p[1], "count"),
  };
}

/** Most first by `key`. */
export const mostFirst =
  <R>(key: (r: R) => number) =>
  (a: R, b: R): number =>
    key(b) - key(a);

/** `rows` ordered by `cmp`, at most `limit` of them. Pure. */
export function topRows<R>(rows: readonly R[], cmp: (a: R, b: R) => number, limit: number): R[] {
  return [...rows].sort(cmp).slice(0, limit);
}

/**
 * One text report: the time and loadavg line (`loadavg` is /proc/loadavg's text, its
 * newline kept as the C tools print it; null: none), the `table`, a blank line. Pure.
 */
export function topText(loadavg: string | null, at: Date, table: string): string {
  return `${loadavg === null ? "" : `${hhmmss(at).padStart(8)} loadavg: ${loadavg}\n`}${table}\n`;
}

/** One NDJSON report: a line per row, its `time` first. Pure. */
export function topJson<R>(rows: readonly R[], at: Date, fields: (r: R) => Record<string, unknown>): string {
  const time = at.toISOString();
  return rows.map((r) => `${toJson({ time, ...fields(r) })}\n`).join("");
}

/**
 * What each entry of a map of cumulative counters added since the previous read (`prev`:
 * key hex → that read's record). `rows`: the entries some counter of which moved; `idle`:
 * the keys that moved none for a whole interval (the caller deletes them, so that the map
 * cannot fill up with closed connections or exited processes); `next`: the base of the
 * next differences. Pure.
 */
export function counterDeltas<R, C extends keyof R & string>(
  prev: ReadonlyMap<string, R>,
  now: readonly [Buffer, Buffer][],
  decode: (key: Buffer, value: Buffer) => R,
  counters: readonly C[],
): { rows: R[]; idle: Buffer[]; next: Map<string, R> } {
  const rows: R[] = [];
  const idle: Buffer[] = [];
  const next = new Map<string, R>();
  for (const [k, v] of now) {
    const r = decode(k, v);
    const hex = k.toString("hex");
    const p = prev.get(hex);
    const d = { ...r };
    let moved = false;
    for (const c of counters) {
      (d[c] as number) = (r[c] as number) - ((p?.[c] as number | undefined) ?? 0);
      if ((d[c] as number) > 0) moved = true;
    }
    if (moved) rows.push(d);
    if (!moved && p) idle.push(k);
    else next.set(hex, r);
  }
  return { rows, idle, next };
}

/**
 * A TopSource's take() over a map of cumulative counters: each call reads the map
 * (`read`), returns what moved since the previous call (or attach), and deletes the keys
 * that moved nothing for a whole interval (`remove`). Counts stay in the map, so none is
 * lost between a read and a clear.
 */
export function counterTaker<R, C extends keyof R & string>(
  read: () => [Buffer, Buffer][],
  remove: (key: Buffer) => void,
  decode: (key: Buffer, value: Buffer) => R,
  counters: readonly C[],
): () => R[] {
  let prev = new Map<string, R>();
  return () => {
    const d = counterDeltas(prev, read(), decode, counters);
    for (const k of d.idle) remove(k);
    prev = d.next;
    return d.rows;
  };
}

/** The loaded kernel side of a top tool. */
export interface TopSource<R> {
  /** The rows since the previous take (or attach). */
  take(): R[];
  /** What the kernel could not count, by reason (keys of `lostWords`); cumulative. */
  lost(): Record<string, number>;
  close(): void;
}

export interface TopLoop<R> {
  /** The command's name (for the root check). */
  name: string;
  /** "Tracing block I/O" (said on stderr). */
  tracing: string;
  /** The parsed flags and positionals. */
  intervalS: number;
  count: number;
  noclear: boolean;
  json: boolean;
  /** No time and loadavg line (tcptop's -S). */
  nosummary?: boolean;
  /** What each lost counter means, as "N <words>". */
  lostWords: Record<string, string>;
  /** Loads and attaches the kernel program (imported when the command runs). */
  open(): Promise<TopSource<R>>;
  /** The rows to show, in order (the tool's sortRows with -s and -r). */
  order(rows: R[]): R[];
  text(rows: R[], loadavg: string | null, at: Date): string;
  ndjson(rows: R[], at: Date): string;
}

/** Reports every interval until `count` reports, Ctrl-C or a closed output; closes the source. */
export async function runTopLoop<R>(io: Io, o: TopLoop<R>): Promise<number> {
  requireBpfPrivilege(o.name);
  const src = await o.open();
  try {
    io.err(`${o.tracing}... Hit Ctrl-C to end.\n`);
    const lostSeen: Record<string, number> = {};
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(o.intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const shown = o.order(src.take());
      const at = new Date();
      if (o.json) io.out(o.ndjson(shown, at));
      else {
        const loadavg = o.nosummary ? null : readFileSync("/proc/loadavg", "utf8");
        io.out((io.isTTY && !o.noclear ? "\x1b[H\x1b[2J" : "") + o.text(shown, loadavg, at));
      }
      for (const [what, total] of Object.entries(src.lost())) {
        const d = total - (lostSeen[what] ?? 0);
        lostSeen[what] = total;
        if (d > 0) io.err(`WARNING: ${d} ${o.lostWords[what] ?? what}\n`);
      }
      if (aborted || n >= o.count) break;
    }
  } finally {
    src.close();
  }
  return 0;
}
