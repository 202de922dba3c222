// bcc trace's probe text: PROBE [(FILTER)] ["FORMAT"[, ARG...]], where PROBE is bcc's probe
// syntax (probe-spec.ts: p:, r:, t:, u:, LIB:func), FILTER an expression (probe-expr.ts:
// `(arg2 == 1)`, `(args->count > 4096 && comm...)`) that a hit must pass, FORMAT a printf
// format (%d %i %u %x %X %o %c %s %p %% with l/ll/h/z length letters) and each ARG a value:
// `arg1`..`arg6` (a function's parameters; a USDT probe's arguments), `retval` (r: probes)
// or `args->field` (a tracepoint field, from its format file). Pure.
import { UsageError } from "../../errors.js";
import { type Expr, parseExpr } from "../probe-expr.js";
import { type ProbeSpec, parseProbeSpec } from "../probe-spec.js";

/** A value's name as typed: arg1..argN, retval or args->FIELD (probe-values.ts resolves it). */
export type TraceArg = string;

export interface Conversion {
  /** d i u x X o c s p */
  conv: string;
  /** Bytes the length letters ask for: 8 with l/ll/z, 2 with h, 1 with hh, else 4 (p: 8). */
  size: number;
  /** Field width: negative pads on the right ("%-8s"), 0 none. */
  width: number;
}

export interface TraceSpec {
  probe: ProbeSpec;
  /** The format split around its conversions: pieces.length === convs.length + 1. */
  pieces: string[];
  convs: Conversion[];
  args: TraceArg[];
  /** The filter (null: every hit) and its text. */
  filter: Expr | null;
  filterText: string;
  text: string;
}

function fail(text: string, why: string): never {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  throw new UsageError(`trace '${shown.replace(/[^\x20-\x7e]/g, "?")}': ${why}`);
}

/** A printf format → literal pieces and conversions. Pure. */
export function parseFormat(fmt: string, text: string): { pieces: string[]; convs: Conversion[] } {
  const pieces: string[] = [];
  const convs: Conversion[] = [];
  let cur = "";
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch === "\\" && i + 1 < fmt.length) {
      const esc: Record<string, string> = { n: "\n", t: "\t", "\\": "\\", '"': '"' };
      const e = esc[fmt[i + 1]];
      if (e === undefined) fail(text, `unknown escape '\\${fmt[i + 1]}' (\\n \\t \\\\ \\")`);
      cur += e;
      i++;
      continue;
    }
    if (ch !== "%") {
      cur += ch;
      continue;
    }
    const m = /^%(-?\d{0,3})(hh|h|ll|l|z)?([diuxXocsp%])/.exec(fmt.slice(i));
    if (!m) fail(text, `bad conversion at '${fmt.slice(i, i + 6)}' (%d %u %x %s %c %p %%, with l ll h z)`);
    i += m[0].length - 1;
    if (m[3] === "%") {
      cur += "%";
      continue;
    }
    pieces.push(cur);
    cur = "";
    const len = m[2] ?? "";
    const size =
      m[3] === "p"
        ? 8
        : len === "l" || len === "ll" || len === "z"
          ? 8
          : len === "h"
            ? 2
            : len === "hh"
              ? 1
              : 4;
    convs.push({ conv: m[3], size, width: Number(m[1] || 0) });
  }
  pieces.push(cur);
  if (convs.length > 6) fail(text, "at most 6 conversions");
  return { pieces, convs };
}

/** The text of a parenthesised filter at the start of `rest` and what follows; strings may hold parentheses. */
function splitFilter(rest: string, text: string): [string, string] {
  let depth = 0;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i];
    if (ch === '"') {
      for (i++; i < rest.length && rest[i] !== '"'; i++) if (rest[i] === "\\") i++;
      continue;
    }
    if (ch === "(") depth++;
    if (ch === ")" && --depth === 0) return [rest.slice(1, i), rest.slice(i + 1).trim()];
  }
  return fail(text, "the filter's '(' is not closed");
}

/** Parses `PROBE (FILTER) "FORMAT", ARG, ...`. Throws UsageError. Pure. */
export function parseTraceSpec(text: string): TraceSpec {
  if (text.length > 8192) fail(text, "longer than 8192 characters");
  if (/[\x00-\x1f\x7f]/.test(text)) fail(text, "contains control characters");
  const t = text.trim();
  const sp = t.search(/[\s(]/);
  const probeText = sp < 0 ? t : t.slice(0, sp);
  let rest = sp < 0 ? "" : t.slice(sp).trim();
  const probe = parseProbeSpec(probeText);
  let filter: Expr | null = null;
  let filterText = "";
  if (rest.startsWith("(")) {
    const sig = /^\(([\w\s*,]*)\)/.exec(rest);
    if (t[sp] === "(" && sig && (sig[1].trim() === "" || /\w[\s*]+\w/.test(sig[1])))
      fail(
        text,
        'signatures are not supported here: name values arg1..arg6 (PROBE (FILTER) "FORMAT", ARG...)',
      );
    [filterText, rest] = splitFilter(rest, text);
    filter = parseExpr(filterText);
  }
  let fmt = "";
  if (rest !== "") {
    const m = /^"((?:[^"\\]|\\.)*)"\s*(.*)$/.exec(rest);
    if (!m) fail(text, 'expected a "FORMAT" string after the probe');
    fmt = m[1];
    rest = m[2].trim();
  }
  const { pieces, convs } = parseFormat(fmt, text);
  const argTexts =
    rest === ""
      ? []
      : rest
          .replace(/^,/, "")
          .split(",")
          .map((a) => a.trim());
  if (rest !== "" && !rest.startsWith(",")) fail(text, "expected ', ARG' after the format");
  if (argTexts.length !== convs.length)
    fail(text, `the format has ${convs.length} conversions but ${argTexts.length} arguments follow`);
  const maxArg = probe.kind === "usdt" ? 12 : 6;
  const args = argTexts.map((a): TraceArg => {
    const m = /^arg([1-9]\d?)$/.exec(a);
    if (m) {
      if (probe.kind === "tracepoint") fail(text, `'${a}': a tracepoint's values are args->FIELD`);
      if (Number(m[1]) > maxArg) fail(text, `bad argument '${a}' (arg1..arg${maxArg})`);
      return a;
    }
    if (a === "retval") {
      if (probe.kind !== "uretprobe") fail(text, "retval needs a return probe (r:)");
      return a;
    }
    if (/^args->([A-Za-z_]\w*)$/.test(a)) {
      if (probe.kind !== "tracepoint") fail(text, `'${a}': args->FIELD is for tracepoints (t:)`);
      return a;
    }
    return fail(text, `bad argument '${a}' (arg1..arg6, retval, args->FIELD)`);
  });
  return { probe, pieces, convs, args, filter, filterText, text };
}
