// bcc trace's probe text, its simple forms: PROBE ["FORMAT"[, ARG...]], where PROBE is bcc's
// probe syntax (probe-spec.ts: p:, r:, t:, LIB:func), FORMAT a printf format (%d %i %u %x
// %X %o %c %s %p %% with l/ll/h/z length letters) and each ARG `arg1`..`arg6` (a function's
// parameters), `retval` (r: probes) or `args->field` (a tracepoint field, from its format
// file). Predicates (`(arg1 > 0)`) are refused in one line. Pure.
import { UsageError } from "../../errors.js";
import { type ProbeSpec, parseProbeSpec } from "../probe-spec.js";

export type TraceArg =
  | { kind: "param"; index: number }
  | { kind: "retval" }
  | { kind: "field"; name: string };

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

/** Parses `PROBE "FORMAT", ARG, ...`. Throws UsageError. Pure. */
export function parseTraceSpec(text: string): TraceSpec {
  if (text.length > 8192) fail(text, "longer than 8192 characters");
  if (/[\x00-\x1f\x7f]/.test(text)) fail(text, "contains control characters");
  const t = text.trim();
  const sp = t.search(/\s/);
  const probeText = sp < 0 ? t : t.slice(0, sp);
  let rest = sp < 0 ? "" : t.slice(sp).trim();
  if (probeText.includes("("))
    fail(text, 'signatures and predicates are not supported here: PROBE "FORMAT", ARG...');
  const probe = parseProbeSpec(probeText);
  if (probe.kind === "usdt") fail(text, "USDT probes are not supported by trace here");
  if (rest.startsWith("(")) fail(text, "predicates (filters) are not supported yet");
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
  const args = argTexts.map((a): TraceArg => {
    let m = /^arg([1-6])$/.exec(a);
    if (m) {
      if (probe.kind === "tracepoint") fail(text, `'${a}': a tracepoint's values are args->FIELD`);
      return { kind: "param", index: Number(m[1]) };
    }
    if (a === "retval") {
      if (probe.kind !== "uretprobe") fail(text, "retval needs a return probe (r:)");
      return { kind: "retval" };
    }
    m = /^args->([A-Za-z_]\w*)$/.exec(a);
    if (m) {
      if (probe.kind !== "tracepoint") fail(text, `'${a}': args->FIELD is for tracepoints (t:)`);
      return { kind: "field", name: m[1] };
    }
    return fail(text, `bad argument '${a}' (arg1..arg6, retval, args->FIELD)`);
  });
  return { probe, pieces, convs, args, text };
}
