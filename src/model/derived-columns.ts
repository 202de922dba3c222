// Columns computed from a sample's fields, declared once for both backends: a JS value
// function for live rows (`tsnap top`, report/columns.ts) and a SQL expression over the
// joined sample row for history (`tsnap query`, query/columns.ts). Also the one
// stack-frame cleanup (`func+0x37/0x90` → `func`) and the time bucket names.
import type { Sample } from "./sample.js";
import type { Need } from "./sampler.js";

/** A frame's offset suffix: `+0x37`, or `+0x37/0x90` as /proc/PID/stack writes it. */
const FRAME_OFFSET = /\+0x[0-9a-f]+(\/0x[0-9a-f]+)?$/i;
/** The same pattern as an RE2 string literal, the same text in DuckDB and ClickHouse (no backslash). */
export const FRAME_OFFSET_SQL = "'[+]0x[0-9a-fA-F]+(/0x[0-9a-fA-F]+)?$'";

/** `func+0x37` → `func`; `module`sym+0x10` → `module`sym`. */
export function frameName(frame: string): string {
  return frame.replace(FRAME_OFFSET, "");
}

/**
 * A stack for display: leaf first (where the thread is, then who called it), offsets
 * dropped, frames joined by "<-". A cut of a long cell then drops root frames, never the leaf.
 */
export function stackDisplay(leafFirst: string | null): string | null {
  if (leafFirst === null || leafFirst === "") return null;
  return leafFirst.split(";").map(frameName).join("<-");
}

/** Digits → "*": groups kworker/0:1, kworker/1:2 ... as kworker/*:*. */
export function starDigits(text: string): string {
  return text.replace(/\d+/g, "*");
}

const starDigitsSql = (expr: string) => `regexp_replace(${expr}, '[0-9]+', '*', 'g')`;
const starDigitsCh = (expr: string) => `replaceRegexpAll(${expr}, '[0-9]+', '*')`;

/** The innermost frame of a leaf-first `;`-joined stack, without its offset. */
export function leafFrame(leafFirst: string | null): string | null {
  return leafFirst ? frameName(leafFirst.split(";")[0]) : null;
}

export interface DerivedColumn {
  name: string;
  description: string;
  /** What a live source must read for it. */
  needs: readonly Need[];
  /** Only the bpf source fills it live. */
  bpfOnly?: boolean;
  live(s: Sample): string | null;
  /** SQL over `samples s` (and `ks`/`us`, the stack dictionaries, when `stack` is set). */
  sql: string;
  /**
   * The same in ClickHouse for `tsnap fleet`: over the samples' own columns, unqualified,
   * or over `ks.kstack_syms`/`us.ustack_syms` when `stack` is set.
   */
  clickhouse: string;
  /** A stack column: history joins that dictionary and shows '(unresolved)' when a hash has no entry. */
  stack?: "k" | "u";
}

export const DERIVED_COLUMNS: readonly DerivedColumn[] = [
  {
    name: "comm2",
    description: "thread name with digits replaced by *",
    needs: [],
    live: (s) => starDigits(s.comm),
    sql: starDigitsSql("s.comm"),
    clickhouse: starDigitsCh("comm"),
  },
  {
    name: "exe_name",
    description: "executable's file name (exe without its directory)",
    needs: ["exe"],
    live: (s) => (s.exe === null ? null : s.exe.slice(s.exe.lastIndexOf("/") + 1)),
    sql: "regexp_extract(s.exe, '[^/]*$')",
    clickhouse: "extract(exe, '[^/]*$')",
  },
  {
    name: "filenamesum",
    description: "filename with digits replaced by *",
    needs: ["filename"],
    live: (s) => (s.filename === null ? null : starDigits(s.filename)),
    sql: starDigitsSql("s.filename"),
    clickhouse: starDigitsCh("filename"),
  },
  {
    name: "kstack_current_func",
    description: "innermost kernel stack frame",
    needs: ["kstack"],
    live: (s) => leafFrame(s.kstack),
    sql: `regexp_replace(split_part(ks.kstack_syms, ';', 1), ${FRAME_OFFSET_SQL}, '')`,
    clickhouse: `replaceRegexpOne(splitByChar(';', ifNull(ks.kstack_syms, ''))[1], ${FRAME_OFFSET_SQL}, '')`,
    stack: "k",
  },
  {
    name: "ustack_current_func",
    description: "innermost user stack frame",
    needs: ["ustack"],
    bpfOnly: true,
    live: (s) => leafFrame(s.ustack),
    sql: `regexp_replace(split_part(us.ustack_syms, ';', 1), ${FRAME_OFFSET_SQL}, '')`,
    clickhouse: `replaceRegexpOne(splitByChar(';', ifNull(us.ustack_syms, ''))[1], ${FRAME_OFFSET_SQL}, '')`,
    stack: "u",
  },
];

export function derivedColumn(name: string): DerivedColumn {
  const c = DERIVED_COLUMNS.find((d) => d.name === name);
  if (!c) throw new Error(`no derived column ${name}`);
  return c;
}

const BUCKET_RE = /^time_(\d+)(s|m|h)$/;
const UNIT_US = { s: 1e6, m: 60e6, h: 3600e6 } as const;

/** time_<N>s|m|h: the bucket width in µs, or null for any other name. */
export function timeBucketUs(name: string): number | null {
  const m = BUCKET_RE.exec(name);
  if (!m || Number(m[1]) <= 0) return null;
  return Number(m[1]) * UNIT_US[m[2] as "s" | "m" | "h"];
}
