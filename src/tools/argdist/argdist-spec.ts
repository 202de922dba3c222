// bcc argdist's specifier: PROBE(SIGNATURE):TYPE:EXPR[:FILTER][#LABEL], where PROBE is bcc's
// probe syntax (probe-spec.ts: p:, r:, t:, u:, LIB:func), SIGNATURE declares a function's
// parameters ("size_t size, int flags"; empty for tracepoints and USDT probes), TYPE is the
// value's C type, EXPR one value: a parameter's name, arg1..argN (registers; a USDT probe's
// arguments), `$retval` (r: probes) or a tracepoint field (`args->count` or `count`), and
// FILTER an expression (probe-expr.ts) a hit must pass to be counted (`n > 1024`). Several
// expressions per specifier are refused in one line. Pure.
import { UsageError } from "../../errors.js";
import { type Expr, parseExpr } from "../probe-expr.js";
import { type ProbeSpec, parseProbeSpec } from "../probe-spec.js";

export interface Param {
  type: string;
  name: string;
}

export interface ArgdistSpec {
  probe: ProbeSpec;
  params: Param[];
  /** The C type of the value (TYPE), e.g. "u64", "size_t", "int". */
  type: string;
  /** A parameter's name, "$retval", or a tracepoint field's name. */
  expr: string;
  /** The filter (null: every hit) and its text. */
  filter: Expr | null;
  filterText: string;
  label: string | null;
  text: string;
}

/** Size in bytes and signedness of the C types argdist reads; null for others. Pure. */
export function scalarType(type: string): { size: number; signed: boolean } | null {
  const t = type.replace(/\s+/g, " ").trim();
  if (t.endsWith("*")) return { size: 8, signed: false };
  const table: Record<string, [number, boolean]> = {
    char: [1, true],
    "signed char": [1, true],
    "unsigned char": [1, false],
    u8: [1, false],
    s8: [1, true],
    short: [2, true],
    "unsigned short": [2, false],
    u16: [2, false],
    s16: [2, true],
    int: [4, true],
    "signed int": [4, true],
    unsigned: [4, false],
    "unsigned int": [4, false],
    u32: [4, false],
    s32: [4, true],
    pid_t: [4, true],
    uid_t: [4, false],
    long: [8, true],
    "long long": [8, true],
    "unsigned long": [8, false],
    "unsigned long long": [8, false],
    u64: [8, false],
    s64: [8, true],
    size_t: [8, false],
    ssize_t: [8, true],
    off_t: [8, true],
    loff_t: [8, true],
    __u8: [1, false],
    __u16: [2, false],
    __u32: [4, false],
    __u64: [8, false],
    __s32: [4, true],
    __s64: [8, true],
  };
  const hit = table[t.replace(/^const /, "")];
  return hit ? { size: hit[0], signed: hit[1] } : null;
}

const IDENT = /^[A-Za-z_]\w*$/;

function fail(text: string, why: string): never {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  throw new UsageError(`specifier '${shown.replace(/[^\x20-\x7e]/g, "?")}': ${why}`);
}

/** "size_t size, const char *s" → parameters; "" or "void" → none. */
export function parseSignature(sig: string, text: string): Param[] {
  const s = sig.trim();
  if (s === "" || s === "void") return [];
  return s.split(",").map((decl) => {
    const m = /^(.*?[\s*])([A-Za-z_]\w*)$/.exec(decl.trim());
    if (!m || m[1].trim() === "") fail(text, `bad parameter '${decl.trim()}' (TYPE NAME)`);
    return { type: m[1].trim(), name: m[2] };
  });
}

/** Parses one -C/-H specifier. Throws UsageError. Pure. */
export function parseArgdistSpec(text: string): ArgdistSpec {
  if (text.length > 8192) fail(text, "longer than 8192 characters");
  if (/[\x00-\x1f\x7f]/.test(text)) fail(text, "contains control characters");
  let body = text;
  let label: string | null = null;
  const hash = text.lastIndexOf("#");
  if (hash >= 0) {
    label = text.slice(hash + 1);
    body = text.slice(0, hash);
    if (!/^[\w .:/-]{1,64}$/.test(label)) fail(text, "bad #label (letters, digits, _ . : / - and spaces)");
  }
  const open = body.indexOf("(");
  const close = body.indexOf(")", open);
  if (open < 0 || close < 0)
    fail(text, "no (SIGNATURE) after the probe, e.g. p:c:malloc(size_t size):u64:size");
  const probe = parseProbeSpec(body.slice(0, open));
  const params = parseSignature(body.slice(open + 1, close), text);
  for (const p of params)
    if (params.filter((q) => q.name === p.name).length > 1)
      fail(text, `parameter '${p.name}' declared twice`);
  if (params.length > 6) fail(text, "at most 6 parameters (the registers that pass them)");
  const rest = body.slice(close + 1);
  if (rest === "") fail(text, "no :TYPE:EXPR (counting bare events is funccount's job)");
  const parts = rest.split(":");
  if (parts[0] !== "" || parts.length < 3) fail(text, "expected :TYPE:EXPR after the signature");
  const filterText = parts.slice(3).join(":").trim();
  if (parts.length > 3 && filterText === "") fail(text, "an empty filter after :EXPR:");
  const filter = parts.length > 3 ? parseExpr(filterText) : null;
  const type = parts[1].trim();
  if (!scalarType(type))
    fail(
      text,
      `TYPE '${type}' is not a number type argdist reads (u8..u64, s8..s64, int, long, size_t, pointers)`,
    );
  const expr = parts[2].trim().replace(/^args->/, "");
  if (expr.includes(",")) fail(text, "one expression per specifier here");
  const argN = /^arg[1-9]\d?$/.test(expr);
  if (expr === "$retval") {
    if (probe.kind !== "uretprobe") fail(text, "$retval needs a return probe (r:)");
  } else if (!IDENT.test(expr))
    fail(text, `EXPR '${parts[2]}' must be a parameter's name, arg1..argN, $retval or a field (args->NAME)`);
  if (probe.kind === "usdt" && !argN) fail(text, `'${expr}': a USDT probe's values are arg1..argN`);
  if ((probe.kind === "uprobe" || probe.kind === "uretprobe") && expr !== "$retval" && !argN)
    if (!params.some((p) => p.name === expr)) fail(text, `'${expr}' is not a parameter of the signature`);
  if ((probe.kind === "tracepoint" || probe.kind === "usdt") && params.length > 0)
    fail(
      text,
      `a ${probe.kind === "usdt" ? "USDT probe" : "tracepoint"} takes no signature: ${probe.text}()`,
    );
  return { probe, params, type, expr, filter, filterText, label, text };
}
