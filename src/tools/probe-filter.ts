// A filter expression (probe-expr.ts) compiled to the bytecode the kernel programs run
// (lib/probe-filter.bpf.h): a stack machine over the probe's value slots, at most
// MAX_INSNS instructions and MAX_STACK deep, so the kernel's loop is bounded and every
// stack index is checked before use. Integers are 64-bit and wrap; a comparison is signed
// unless a side is an unsigned 64-bit value (C's usual conversions, for the types a probe
// has); x / 0 is 0 and x % 0 is x (BPF's rules). Strings compare with == or != against a
// value read as a string. Pure; `runFilter` is the same machine in TypeScript (tests).
import { type BinaryOp, type Expr, exprError } from "./probe-expr.js";

export const MAX_INSNS = 32;
export const MAX_STACK = 8;
export const MAX_CONSTS = 4;
export const CONST_LEN = 64;

/** Opcodes: the same numbers as lib/probe-filter.bpf.h's PF_*. */
export const OP = {
  end: 0,
  imm: 1,
  slot: 2,
  streq: 3,
  add: 4,
  sub: 5,
  mul: 6,
  udiv: 7,
  sdiv: 8,
  umod: 9,
  smod: 10,
  and: 11,
  or: 12,
  xor: 13,
  shl: 14,
  shr: 15,
  sar: 16,
  eq: 17,
  ne: 18,
  ult: 19,
  slt: 20,
  ule: 21,
  sle: 22,
  land: 23,
  lor: 24,
  not: 25,
  neg: 26,
  bnot: 27,
} as const;

export interface Insn {
  op: number;
  /** slot index (slot, streq) */
  arg: number;
  /** the literal (imm), the constant's index (streq) */
  imm: bigint;
}

export interface FilterCode {
  insns: Insn[];
  /** String literals, by index. */
  consts: string[];
}

/** What a name in the expression is: a value slot, read as a number or as a string. */
export interface SlotRef {
  slot: number;
  /** Compared as signed (a signed type, or narrower than 64 bits). */
  signed: boolean;
}

/** `name` → its slot; `asString` when it stands beside a string literal. Throws UsageError. */
export type Resolve = (name: string, at: number, asString: boolean) => SlotRef;

/** Compiles `e`; `text` and `what` name the expression in errors. Throws UsageError. Pure. */
export function compileFilter(e: Expr, resolve: Resolve, text: string, what = "filter"): FilterCode {
  const insns: Insn[] = [];
  const consts: string[] = [];
  let depth = 0;
  const emit = (op: number, at: number, arg = 0, imm = 0n, push = 0) => {
    if (insns.length >= MAX_INSNS - 1) exprError(what, text, at, `more than ${MAX_INSNS - 1} steps`);
    insns.push({ op, arg, imm });
    depth += push;
    if (depth > MAX_STACK) exprError(what, text, at, `needs more than ${MAX_STACK} values at once`);
  };
  /** Emits `x`, returns whether it is signed. */
  function gen(x: Expr): boolean {
    switch (x.k) {
      case "num":
        emit(OP.imm, x.at, 0, x.v, 1);
        return true;
      case "str":
        return exprError(what, text, x.at, 'a string stands only beside == or != (name == "text")');
      case "ref": {
        const r = resolve(x.name, x.at, false);
        emit(OP.slot, x.at, r.slot, 0n, 1);
        return r.signed;
      }
      case "un": {
        const s = gen(x.e);
        emit(x.op === "!" ? OP.not : x.op === "-" ? OP.neg : OP.bnot, x.at);
        return x.op === "!" ? true : s;
      }
      case "bin":
        return binary(x.op, x.l, x.r, x.at);
    }
  }
  function binary(op: BinaryOp, l: Expr, r: Expr, at: number): boolean {
    if ((op === "==" || op === "!=") && (l.k === "str" || r.k === "str")) {
      const [lit, other] = l.k === "str" ? [l, r] : [r, l as Expr];
      if (lit.k !== "str") return false;
      if (other.k !== "ref") exprError(what, text, other.at, "a string compares with a value's name only");
      const ref = resolve(other.name, other.at, true);
      let idx = consts.indexOf(lit.v);
      if (idx < 0) {
        if (consts.length >= MAX_CONSTS) exprError(what, text, lit.at, `more than ${MAX_CONSTS} strings`);
        idx = consts.push(lit.v) - 1;
      }
      emit(OP.streq, at, ref.slot, BigInt(idx), 1);
      if (op === "!=") emit(OP.not, at);
      return true;
    }
    const ls = gen(l);
    const rs = gen(r);
    const signed = ls && rs;
    const table: Record<BinaryOp, [number, number, boolean]> = {
      // [op when signed, op when unsigned, swap operands]
      "+": [OP.add, OP.add, false],
      "-": [OP.sub, OP.sub, false],
      "*": [OP.mul, OP.mul, false],
      "/": [OP.sdiv, OP.udiv, false],
      "%": [OP.smod, OP.umod, false],
      "&": [OP.and, OP.and, false],
      "|": [OP.or, OP.or, false],
      "^": [OP.xor, OP.xor, false],
      "<<": [OP.shl, OP.shl, false],
      ">>": [ls ? OP.sar : OP.shr, ls ? OP.sar : OP.shr, false],
      "==": [OP.eq, OP.eq, false],
      "!=": [OP.ne, OP.ne, false],
      "<": [OP.slt, OP.ult, false],
      "<=": [OP.sle, OP.ule, false],
      ">": [OP.slt, OP.ult, true],
      ">=": [OP.sle, OP.ule, true],
      "&&": [OP.land, OP.land, false],
      "||": [OP.lor, OP.lor, false],
    };
    const [sop, uop, swap] = table[op];
    // a > b is b < a: the operands are swapped by a flag in arg (1), not re-emitted
    emit(signed ? sop : uop, at, swap ? 1 : 0, 0n, -1);
    if (op === "<<" || op === ">>") return ls;
    if (["==", "!=", "<", "<=", ">", ">=", "&&", "||"].includes(op)) return true;
    return signed;
  }
  gen(e);
  insns.push({ op: OP.end, arg: 0, imm: 0n });
  return { insns, consts };
}

const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);

/**
 * Runs `code` over slot values and strings as the kernel does: true when the result is
 * non-zero. Pure (the reference for the kernel's machine in tests).
 */
export function runFilter(code: FilterCode, vals: readonly bigint[], strs: readonly string[]): boolean {
  const st: bigint[] = [];
  for (const i of code.insns) {
    if (i.op === OP.end) break;
    if (i.op === OP.imm) st.push(i.imm & M64);
    else if (i.op === OP.slot) st.push((vals[i.arg] ?? 0n) & M64);
    else if (i.op === OP.streq) st.push(strs[i.arg] === code.consts[Number(i.imm)] ? 1n : 0n);
    else if (i.op === OP.not) st.push(st.pop() === 0n ? 1n : 0n);
    else if (i.op === OP.neg) st.push(-st.pop()! & M64);
    else if (i.op === OP.bnot) st.push(~st.pop()! & M64);
    else {
      let b = st.pop()!;
      let a = st.pop()!;
      if (i.arg === 1) [a, b] = [b, a];
      st.push(binaryOp(i.op, a, b) & M64);
    }
  }
  return (st.pop() ?? 0n) !== 0n;
}

function binaryOp(op: number, a: bigint, b: bigint): bigint {
  const t = (x: boolean) => (x ? 1n : 0n);
  switch (op) {
    case OP.add:
      return a + b;
    case OP.sub:
      return a - b;
    case OP.mul:
      return a * b;
    case OP.udiv:
      return b === 0n ? 0n : a / b;
    case OP.sdiv:
      return b === 0n ? 0n : s64(a) / s64(b);
    case OP.umod:
      return b === 0n ? a : a % b;
    case OP.smod:
      return b === 0n ? a : s64(a) % s64(b);
    case OP.and:
      return a & b;
    case OP.or:
      return a | b;
    case OP.xor:
      return a ^ b;
    case OP.shl:
      return a << (b & 63n);
    case OP.shr:
      return a >> (b & 63n);
    case OP.sar:
      return s64(a) >> (b & 63n);
    case OP.eq:
      return t(a === b);
    case OP.ne:
      return t(a !== b);
    case OP.ult:
      return t(a < b);
    case OP.slt:
      return t(s64(a) < s64(b));
    case OP.ule:
      return t(a <= b);
    case OP.sle:
      return t(s64(a) <= s64(b));
    case OP.land:
      return t(a !== 0n && b !== 0n);
    case OP.lor:
      return t(a !== 0n || b !== 0n);
    default:
      throw new Error(`bad opcode ${op}`);
  }
}
