// The flags several commands share, each defined once: names, --help text and value check.
// A command puts the ones it has in its flag set (args.ts `parseFlags`, `flagHelp`), so
// `-d 0` is refused with the same words, and described the same way, everywhere.
import { UsageError } from "../errors.js";
import type { SamplerOptions } from "../model/sampler.js";
import { OUTPUT_FORMATS, type OutputFormat } from "../report/output.js";
import { SOURCE_CHOICES, type SourceChoice } from "../sampler/open.js";
import {
  decimalFlag,
  type Flag,
  listOptionFlag,
  numberFlag,
  oneOfFlag,
  optionalOneOfFlag,
  type Positional,
  stringFlag,
  switchFlag,
  textFlag,
  textsFlag,
} from "./args.js";
import { parsePidFilter } from "./pid-filter.js";

const YEAR_S = 365 * 86400;
/** The largest PID the kernel hands out (PID_MAX_LIMIT on 64-bit). */
const PID_MAX = 2 ** 22;

/**
 * -d, --duration SECONDS: more than 0 (at least `min` when given), at most a year; absent:
 * `fallback` seconds or, without one, Infinity (until Ctrl-C, or the command decides).
 * `defaultText`: the default in words when the command decides.
 */
export function durationFlag(
  o: { fallback?: number; defaultText?: string; min?: number } = {},
): Flag<number> {
  const dflt = o.defaultText ?? (o.fallback === undefined ? "until Ctrl-C" : `${o.fallback}`);
  return {
    long: "duration",
    short: "d",
    arg: "SECONDS",
    help: `how long to run (default ${dflt})`,
    parse(raw, label) {
      if (raw === undefined) return o.fallback ?? Number.POSITIVE_INFINITY;
      const s = numberFlag(raw, label, { fallback: 0, max: YEAR_S, min: o.min });
      if (s <= 0) throw new UsageError(`${label} must be more than 0 seconds, got ${String(raw).trim()}`);
      return s;
    },
  };
}

/** -i, --interval SECONDS: `min` (default 0.05 s) to a day; absent: `fallback` (undefined: no intervals). */
export function intervalFlag<T extends number | undefined>(o: {
  fallback: T;
  help: string;
  min?: number;
}): Flag<number | T> {
  return {
    long: "interval",
    short: "i",
    arg: "SECONDS",
    help: o.help,
    parse: (raw, label) =>
      raw === undefined
        ? o.fallback
        : numberFlag(raw, label, { fallback: 0, min: o.min ?? 0.05, max: 86400 }),
  };
}

/**
 * --hz N: sampling rounds per second, `min` (default 0.01) to `max`; absent: `fallback`
 * (undefined: the command decides, `defaultText` says how).
 */
export function hzFlag<T extends number | undefined>(o: {
  fallback: T;
  max: number;
  min?: number;
  defaultText?: string;
}): Flag<number | T> {
  return {
    long: "hz",
    arg: "N",
    help: `sampling rounds per second (default ${o.defaultText ?? o.fallback})`,
    parse: (raw, label) =>
      raw === undefined
        ? o.fallback
        : numberFlag(raw, label, { fallback: 0, min: o.min ?? 0.01, max: o.max }),
  };
}

/** -p, --pid PIDS|REGEX of the samplers (top, capture): PIDs that exist, or thread names. */
export const pidFilterFlag: Flag<Pick<SamplerOptions, "pids" | "comm">> = {
  long: "pid",
  short: "p",
  arg: "PIDS|REGEX",
  help: "only these processes (comma-separated PIDs), or threads whose name matches REGEX (linear-time matching: no backreferences or lookaround)",
  parse: (raw) => parsePidFilter(stringFlag(raw)),
};

/** -p, --pid PID of the bcc-style tools: one process; null when absent. */
export const pidFlag: Flag<number | null> = {
  long: "pid",
  short: "p",
  arg: "PID",
  help: "only this process (all its threads)",
  parse: (raw, label) =>
    raw === undefined ? null : numberFlag(raw, label, { fallback: 0, min: 1, max: PID_MAX, integer: true }),
};

/** --tid TID: one thread; null when absent. bcc's letter differs by tool (-t, profile's -L). */
export function tidFlag(short: string): Flag<number | null> {
  return { ...pidFlag, long: "tid", short, arg: "TID", help: "only this thread" };
}

/** --format FMT of row output (report/output.ts). */
export const formatFlag: Flag<OutputFormat> = oneOfFlag({
  long: "format",
  arg: "FMT",
  choices: OUTPUT_FORMATS,
  fallback: "table",
  help: "table (default), json (an array of objects), ndjson (one object per line) or csv",
});

/** -v, --verbose: libbpf's log on stderr. */
export const verboseFlag: Flag<boolean> = switchFlag({
  long: "verbose",
  short: "v",
  help: "libbpf's log on stderr (the verifier's reasons when a program is refused)",
});

/** --source SRC of the samplers. */
export const sourceFlag: Flag<SourceChoice> = oneOfFlag({
  long: "source",
  arg: "SRC",
  choices: SOURCE_CHOICES,
  fallback: "auto",
  help: "auto (default: bpf where it works, else proc), proc or bpf",
});

/** -a, --all of the samplers. */
export const allFlag: Flag<boolean> = switchFlag({
  long: "all",
  short: "a",
  help: "also sleeping and idle threads (default: RUN, RUNQ, DISK only)",
});

/** --hist KIND: bcc-style latency histograms (top live, query from history). */
export function histFlag(note: string): Flag<"sc" | "io" | "ioq" | "rq" | undefined> {
  return optionalOneOfFlag({
    long: "hist",
    arg: "KIND",
    choices: ["sc", "io", "ioq", "rq"] as const,
    help: `log2 histograms (µs), bcc style, ${note}: sc per syscall, io per disk (issue → complete, biolatency), ioq (insert → complete, biolatency -Q), rq per process (runqlat -P)`,
  });
}

/** -w, --where FILTER over history columns (query, flame). */
export const whereFlag: Flag<string[]> = textsFlag({
  long: "where",
  short: "w",
  arg: "FILTER",
  help: "col=value, col!=value, col~regex, col!~regex, <, <=, >, >=, AND, OR, NOT, ( ); quote values with spaces: comm='my app'. Values are bound as parameters, never pasted into SQL",
});

/** --from TIME, --to TIME: a window of history (query, flame). */
export const fromFlag: Flag<string | undefined> = textFlag({
  long: "from",
  arg: "TIME",
  help: "window start: 2025-09-05T13:05, 13:05, -1h (before the end of the data), now-1h (before now) (default: the end of the data - 1h)",
});
export const toFlag: Flag<string | undefined> = textFlag({
  long: "to",
  arg: "TIME",
  help: "window end (exclusive), same forms (default: the end of the data)",
});

/**
 * --format FMT of a command whose JSON is a document of its own shape (nested records, one
 * object per line of a stream) rather than rows: table (its own layout) or json.
 */
export function tableOrJsonFlag(json: string): Flag<"table" | "json"> {
  return oneOfFlag({
    long: "format",
    arg: "FMT",
    choices: ["table", "json"] as const,
    fallback: "table",
    help: `table (default) or json: ${json}`,
  });
}

// ---- bcc's tools (the letters and meanings are bcc's: where they differ, bcc's tool wins)

/**
 * -c, --cgroup DIR: only tasks under this cgroup v2 directory (bpf/cgroup-filter.ts opens
 * it when the tool loads). `which`: what the tool checks, when that needs saying.
 */
export function cgroupFlag(which?: string): Flag<string | undefined> {
  return {
    long: "cgroup",
    short: "c",
    arg: "DIR",
    help: `only tasks under this cgroup v2 directory${which ? ` (${which})` : ""}`,
    parse(raw, label) {
      if (raw === undefined) return undefined;
      const dir = String(raw);
      if (dir.trim() === "") throw new UsageError(`${label} needs a cgroup v2 directory, got ''`);
      return dir;
    },
  };
}

/** -T, --timestamp of the histogram tools (bcc biolatency, runqlat): the time before each report. */
export const timeLineFlag: Flag<boolean> = switchFlag({
  long: "timestamp",
  short: "T",
  help: "a time line (HH:MM:SS) before each report",
});

/** -T, --time of the event tools where bcc has it (execsnoop): the clock time per line. */
export const timeColumnFlag: Flag<boolean> = switchFlag({
  long: "time",
  short: "T",
  help: "a TIME column (HH:MM:SS)",
});

/**
 * --timestamp of the event tools whose timestamp is the clock time (HH:MM:SS), as
 * libbpf-tools prints it: opensnoop -T, exitsnoop -t.
 */
export function clockTimestampFlag(short: "t" | "T"): Flag<boolean> {
  return switchFlag({ long: "timestamp", short, help: "a TIME column (HH:MM:SS)" });
}

/**
 * --timestamp of the event tools: seconds since `since` (default: tracing began) per line.
 * bcc's letter differs by tool: execsnoop and tcpconnect -t (execsnoop's -T is --time).
 */
export function timestampColumnFlag(short: "t" | "T", since = "tracing began"): Flag<boolean> {
  return switchFlag({ long: "timestamp", short, help: `a TIME(s) column: seconds since ${since}` });
}

/** -T, --top N: rows per report (bcc syscount's -T). */
export function topFlag(fallback: number): Flag<number> {
  return decimalFlag({
    long: "top",
    short: "T",
    arg: "N",
    help: `rows per report (default ${fallback})`,
    min: 1,
    max: 10000,
    integer: true,
    fallback,
  });
}

/** -m, --milliseconds: times in ms instead of µs. */
export const millisecondsFlag: Flag<boolean> = switchFlag({
  long: "milliseconds",
  short: "m",
  help: "times in milliseconds (default microseconds)",
});

/** --json of the streaming tools: NDJSON on stdout, one object per `what`. */
/** -g, --group COLS: the columns the rows are grouped by (top, query, fleet, ui); `help` says the default. */
export function groupFlag(help: string): Flag<string[] | undefined> {
  return listOptionFlag({ long: "group", short: "g", arg: "COLS", help });
}

export function jsonFlag(what: string): Flag<boolean> {
  return switchFlag({ long: "json", help: `NDJSON: one object per ${what}, on stdout` });
}

export interface IntervalCount {
  /** Seconds between reports; Infinity: one report, at Ctrl-C. */
  intervalS: number;
  /** Reports before exiting; Infinity: until Ctrl-C. */
  count: number;
}

/** bcc's `[interval] [count]` positional arguments, for flagHelp. */
export const INTERVAL_COUNT_ARGS: readonly Positional[] = [
  { name: "interval", help: "seconds between reports (default: one report, at Ctrl-C)" },
  { name: "count", help: "number of reports (default: until Ctrl-C)" },
];

/** bcc's `[interval] [count]` positional arguments (parseFlags(argv, FLAGS, 2)'s positionals). */
export function parseIntervalCount(positionals: readonly string[]): IntervalCount {
  const num = (text: string, what: string, integer: boolean) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
      throw new UsageError(`${what} must be a positive ${integer ? "whole " : ""}number, got '${text}'`);
    return n;
  };
  if (positionals.length > 2) throw new UsageError(`unexpected argument '${positionals[2]}'`);
  const intervalS = positionals[0] === undefined ? Infinity : num(positionals[0], "interval", false);
  const count = positionals[1] === undefined ? Infinity : num(positionals[1], "count", true);
  if (intervalS !== Infinity && intervalS < 0.1) throw new UsageError(`interval must be at least 0.1 s`);
  return { intervalS, count };
}
