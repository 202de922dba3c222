// The expressions of the generic tracers' filters (trace's `(arg2 == 1)`, argdist's 4th
// part `n > 1024`, `args->count > 4096`): a small C-like grammar parsed here into a tree.
// Pure. The input is hostile: anything outside the grammar is one UsageError naming the
// column, and the size is bounded (length, nodes, depth), so no input can make the parser
// recurse or allocate without bound.
//
//   expr    := binary expressions with C's operators and precedence:
//              ||  &&  |  ^  &  == !=  < <= > >=  << >>  + -  * / %
//   unary   := ! - ~ unary | primary
//   primary := INTEGER (decimal, 0x hex, 0 octal) | "STRING" | NAME | args->NAME
//              | $retval | ( expr )
// A NAME is whatever the tool resolves (arg1..argN, retval, a signature's parameter, a
// tracepoint field). Strings stand only beside == or !=, compared with a value read as a
// string.
import { UsageError } from "../errors.js";

export type BinaryOp =
  | "||"
  | "&&"
  | "|"
  | "^"
  | "&"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "<<"
  | ">>"
  | "+"
  | "-"
  | "*"
  | "/"
  | "%";
export type UnaryOp = "!" | "-" | "~";

export type Expr =
  | { k: "num"; v: bigint; at: number }
  | { k: "str"; v: string; at: number }
  | { k: "ref"; name: string; at: number }
  | { k: "un"; op: UnaryOp; e: Expr; at: number }
  | { k: "bin"; op: BinaryOp; l: Expr; r: Expr; at: number };

/** Longest expression text, most nodes, deepest nesting accepted. */
export const MAX_EXPR_LENGTH = 1024;
export const MAX_NODES = 64;
export const MAX_DEPTH = 32;
/** Longest string literal (bytes, without its NUL): the kernel compares 64-byte buffers. */
export const MAX_LITERAL = 63;

const PRECEDENCE: Record<BinaryOp, number> = {
  "||": 1,
  "&&": 2,
  "|": 3,
  "^": 4,
  "&": 5,
  "==": 6,
  "!=": 6,
  "<": 7,
  "<=": 7,
  ">": 7,
  ">=": 7,
  "<<": 8,
  ">>": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "%": 10,
};

type Token =
  | { t: "num"; v: bigint; at: number }
  | { t: "str"; v: string; at: number }
  | { t: "name"; v: string; at: number }
  | { t: "op"; v: string; at: number }
  | { t: "end"; at: number };

const OPS = [
  "||",
  "&&",
  "==",
  "!=",
  "<=",
  ">=",
  "<<",
  ">>",
  "|",
  "^",
  "&",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
  "~",
  "(",
  ")",
];

/** A UsageError for `text` pointing at column `at` (1-based in the message). */
export function exprError(what: string, text: string, at: number, why: string): never {
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  throw new UsageError(`${what} '${shown.replace(/[^\x20-\x7e]/g, "?")}': ${why} at column ${at + 1}`);
}

function tokenize(text: string, what: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === " " || ch === "\t") {
      i++;
      continue;
    }
    const at = i;
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)([uUlL]*)/.exec(text.slice(i, i + 40));
    if (num) {
      const digits = num[1];
      if (/^0[0-7]+$/.test(digits)) out.push({ t: "num", v: BigInt(`0o${digits.slice(1)}`), at });
      else if (/^0\d/.test(digits)) exprError(what, text, at, `bad octal number '${digits}'`);
      else out.push({ t: "num", v: BigInt(digits), at });
      if (out[out.length - 1].t === "num" && (out[out.length - 1] as { v: bigint }).v >= 2n ** 64n)
        exprError(what, text, at, "number larger than 64 bits");
      i += num[0].length;
      if (/[A-Za-z0-9_]/.test(text[i] ?? "")) exprError(what, text, i, "bad number");
      continue;
    }
    const name = /^(args->[A-Za-z_]\w*|\$?[A-Za-z_]\w*)/.exec(text.slice(i, i + 200));
    if (name) {
      out.push({ t: "name", v: name[0], at });
      i += name[0].length;
      continue;
    }
    if (ch === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= text.length) exprError(what, text, at, "unterminated string");
        const c = text[i];
        if (c === '"') break;
        if (c === "\\") {
          const esc: Record<string, string> = { n: "\n", t: "\t", "\\": "\\", '"': '"' };
          const e = esc[text[i + 1] ?? ""];
          if (e === undefined) exprError(what, text, i, 'unknown escape (\\n \\t \\\\ \\")');
          s += e;
          i += 2;
          continue;
        }
        s += c;
        i++;
      }
      i++;
      if (Buffer.byteLength(s) > MAX_LITERAL)
        exprError(what, text, at, `string longer than ${MAX_LITERAL} bytes`);
      out.push({ t: "str", v: s, at });
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) exprError(what, text, at, `unexpected '${ch}'`);
    out.push({ t: "op", v: op, at });
    i += op.length;
  }
  out.push({ t: "end", at: text.length });
  return out;
}

/**
 * Parses a filter expression. `what` names it in errors ("filter", "specifier"). Throws
 * UsageError. Pure.
 */
export function parseExpr(text: string, what = "filter"): Expr {
  if (text.trim() === "") exprError(what, text, 0, "empty expression");
  if (text.length > MAX_EXPR_LENGTH)
    exprError(what, text, MAX_EXPR_LENGTH, `longer than ${MAX_EXPR_LENGTH} characters`);
  if (/[\x00-\x1f\x7f]/.test(text))
    exprError(what, text, text.search(/[\x00-\x1f\x7f]/), "control character");
  const toks = tokenize(text, what);
  let pos = 0;
  let nodes = 0;
  const node = <E extends Expr>(e: E): E => {
    if (++nodes > MAX_NODES) exprError(what, text, e.at, `more than ${MAX_NODES} terms`);
    return e;
  };
  const peek = () => toks[pos];
  const isOp = (v: string) => {
    const t = peek();
    return t.t === "op" && t.v === v;
  };

  function primary(depth: number): Expr {
    if (depth > MAX_DEPTH) exprError(what, text, peek().at, `nested deeper than ${MAX_DEPTH}`);
    const t = toks[pos++];
    switch (t.t) {
      case "num":
        return node({ k: "num", v: t.v, at: t.at });
      case "str":
        return node({ k: "str", v: t.v, at: t.at });
      case "name":
        return node({ k: "ref", name: t.v, at: t.at });
      case "end":
        return exprError(what, text, t.at, "expression ends too early");
    }
    if (t.v === "(") {
      const e = binary(0, depth + 1);
      if (!isOp(")")) exprError(what, text, peek().at, "expected ')'");
      pos++;
      return e;
    }
    if (t.v === "!" || t.v === "-" || t.v === "~")
      return node({ k: "un", op: t.v, e: primary(depth + 1), at: t.at });
    return exprError(what, text, t.at, `unexpected '${t.v}'`);
  }

  function binary(minPrec: number, depth: number): Expr {
    if (depth > MAX_DEPTH) exprError(what, text, peek().at, `nested deeper than ${MAX_DEPTH}`);
    let l = primary(depth);
    for (;;) {
      const t = peek();
      if (t.t !== "op" || !(t.v in PRECEDENCE)) break;
      const op = t.v as BinaryOp;
      const prec = PRECEDENCE[op];
      if (prec <= minPrec) break;
      pos++;
      const r = binary(prec, depth + 1);
      l = node({ k: "bin", op, l, r, at: t.at });
    }
    return l;
  }

  const e = binary(0, 0);
  const t = peek();
  if (t.t !== "end")
    exprError(what, text, t.at, t.t === "op" && t.v === ")" ? "unbalanced ')'" : "expected an operator");
  return e;
}

/** Every name the expression reads, in order of first use. Pure. */
export function exprNames(e: Expr, out: string[] = []): string[] {
  if (e.k === "ref" && !out.includes(e.name)) out.push(e.name);
  if (e.k === "un") exprNames(e.e, out);
  if (e.k === "bin") {
    exprNames(e.l, out);
    exprNames(e.r, out);
  }
  return out;
}
