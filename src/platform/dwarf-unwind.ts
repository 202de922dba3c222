// Unwinds a copied user stack with DWARF CFI rows (perf --call-graph dwarf's user-space
// half): from the registers at the sample (ip, sp, bp) and the bytes above sp, each frame's
// row gives the canonical frame address and where the caller's registers were saved; the
// caller's ip is the return address, its sp the CFA. Where no row covers an address (JIT
// code, a file without .eh_frame) one frame-pointer step is tried instead. Pure: the rows
// come from a lookup function (eh-frame.ts through the process's mappings).
import type { CfiRow, RegRule } from "./eh-frame.js";

const RSP = 7;
const RBP = 6;
const NREGS = 17;

export interface UserRegs {
  ip: number;
  sp: number;
  bp: number;
}

/** The copied stack: `bytes` hold memory from address `start` on. */
export interface StackCopy {
  start: number;
  bytes: Buffer;
}

/** The row for a process address (`pc`), or null when nothing covers it. */
export type RowLookup = (pc: number) => CfiRow | null;

/** Why an unwind stopped (for tests and statistics). */
export type UnwindEnd = "outermost" | "no-cfi" | "stack-end" | "bad-frame" | "depth";

function readU64(s: StackCopy, addr: number): number | null {
  const o = addr - s.start;
  if (!Number.isInteger(o) || o < 0 || o + 8 > s.bytes.length) return null;
  return s.bytes.readUInt32LE(o) + s.bytes.readUInt32LE(o + 4) * 2 ** 32;
}

/**
 * A DWARF expression's value (the subset compilers and glibc emit in .eh_frame: register
 * bases, constants, arithmetic, comparisons, dereference), or null when it cannot be
 * computed. `push` is pushed first (the CFA for register rules). BigInt: masks of 64 bits.
 */
export function evalExpr(
  e: Buffer,
  regs: readonly (number | undefined)[],
  mem: StackCopy,
  push?: number,
): number | null {
  const st: bigint[] = push === undefined ? [] : [BigInt(push)];
  const M = (1n << 64n) - 1n;
  let p = 0;
  const uleb = () => {
    let v = 0n;
    let shift = 0n;
    while (p < e.length) {
      const c = e[p++];
      v |= BigInt(c & 0x7f) << shift;
      shift += 7n;
      if (!(c & 0x80)) return v;
    }
    return v;
  };
  const sleb = () => {
    let v = 0n;
    let shift = 0n;
    let c = 0;
    while (p < e.length) {
      c = e[p++];
      v |= BigInt(c & 0x7f) << shift;
      shift += 7n;
      if (!(c & 0x80)) break;
    }
    return c & 0x40 ? v - (1n << shift) : v;
  };
  const pop = () => st.pop();
  let steps = 0;
  while (p < e.length) {
    if (++steps > 1000 || st.length > 64) return null;
    const op = e[p++];
    if (op >= 0x30 && op <= 0x4f)
      st.push(BigInt(op - 0x30)); // lit0..31
    else if (op >= 0x70 && op <= 0x8f) {
      const v = regs[op - 0x70]; // breg0..31
      const off = sleb();
      if (v === undefined) return null;
      st.push((BigInt(v) + off) & M);
    } else if (op >= 0x50 && op <= 0x6f) {
      const v = regs[op - 0x50]; // reg0..31 (location description: the value)
      if (v === undefined) return null;
      st.push(BigInt(v));
    } else {
      const b = () => pop();
      switch (op) {
        case 0x06: {
          const a = b();
          if (a === undefined || a > BigInt(Number.MAX_SAFE_INTEGER)) return null;
          const v = readU64(mem, Number(a));
          if (v === null) return null;
          st.push(BigInt(v));
          break;
        }
        case 0x08:
          st.push(BigInt(e[p++] ?? 0));
          break;
        case 0x09:
          st.push(BigInt(((e[p++] ?? 0) << 24) >> 24) & M);
          break;
        case 0x0a:
          st.push(BigInt(e.readUInt16LE(Math.min(p, e.length - 2))));
          p += 2;
          break;
        case 0x0b:
          st.push(BigInt(e.readInt16LE(Math.min(p, e.length - 2))) & M);
          p += 2;
          break;
        case 0x0c:
          st.push(BigInt(e.readUInt32LE(Math.min(p, e.length - 4))));
          p += 4;
          break;
        case 0x0d:
          st.push(BigInt(e.readInt32LE(Math.min(p, e.length - 4))) & M);
          p += 4;
          break;
        case 0x10:
          st.push(uleb());
          break;
        case 0x11:
          st.push(sleb() & M);
          break;
        case 0x12: {
          const a = st.at(-1);
          if (a === undefined) return null;
          st.push(a);
          break;
        }
        case 0x13:
          pop();
          break;
        case 0x16: {
          const a = b();
          const c = b();
          if (a === undefined || c === undefined) return null;
          st.push(a, c);
          break;
        }
        case 0x23: {
          const a = b();
          if (a === undefined) return null;
          st.push((a + uleb()) & M);
          break;
        }
        default: {
          // binary operators: second (deeper) `x`, top `y`
          const y = b();
          const x = b();
          if (x === undefined || y === undefined) return null;
          const sx = BigInt.asIntN(64, x);
          const sy = BigInt.asIntN(64, y);
          let v: bigint;
          switch (op) {
            case 0x1a:
              v = x & y;
              break;
            case 0x1c:
              v = x - y;
              break;
            case 0x1e:
              v = x * y;
              break;
            case 0x21:
              v = x | y;
              break;
            case 0x22:
              v = x + y;
              break;
            case 0x24:
              v = x << y;
              break;
            case 0x25:
              v = x >> y;
              break;
            case 0x27:
              v = x ^ y;
              break;
            case 0x29:
              v = sx === sy ? 1n : 0n;
              break;
            case 0x2a:
              v = sx >= sy ? 1n : 0n;
              break;
            case 0x2b:
              v = sx > sy ? 1n : 0n;
              break;
            case 0x2c:
              v = sx <= sy ? 1n : 0n;
              break;
            case 0x2d:
              v = sx < sy ? 1n : 0n;
              break;
            case 0x2e:
              v = sx !== sy ? 1n : 0n;
              break;
            default:
              return null; // not an op .eh_frame code uses
          }
          st.push(v & M);
        }
      }
    }
  }
  const top = st.pop();
  if (top === undefined || top > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(top);
}

/**
 * The return addresses of a sample, leaf first (the first is the sampled ip itself), and
 * why the walk ended. At most `max` frames.
 */
export function unwindStack(
  start: UserRegs,
  mem: StackCopy,
  lookup: RowLookup,
  max = 127,
): { pcs: number[]; end: UnwindEnd } {
  const regs: (number | undefined)[] = new Array(NREGS).fill(undefined);
  regs[RSP] = start.sp;
  regs[RBP] = start.bp;
  let ip = start.ip;
  const pcs: number[] = [ip];
  let callSite = false; // callers' ips are return addresses: look up the call instruction
  for (;;) {
    if (pcs.length >= max) return { pcs, end: "depth" };
    const row = lookup(callSite ? ip - 1 : ip);
    const sp = regs[RSP] as number;
    let cfa: number | null;
    let ra: number | null;
    if (row) {
      cfa =
        "e" in row.cfa
          ? evalExpr(row.cfa.e, withIp(regs, ip), mem)
          : regs[row.cfa.reg] === undefined
            ? null
            : (regs[row.cfa.reg] as number) + row.cfa.off;
      if (cfa === null) return { pcs, end: "stack-end" };
      const raRule = row.regs.get(row.ra);
      if (!raRule || raRule.k === "u") return { pcs, end: "outermost" };
      const next: (number | undefined)[] = regs.slice();
      for (const [reg, rule] of row.regs) {
        if (reg >= NREGS) continue;
        next[reg] = rule.k === "s" ? regs[reg] : ruleValue(rule, cfa, regs, ip, mem);
      }
      ra = next[row.ra] ?? null;
      next[RSP] = cfa;
      for (let i = 0; i < NREGS; i++) regs[i] = next[i];
      callSite = !row.signal;
    } else {
      // No CFI here: one frame-pointer step ([bp] = caller's bp, [bp+8] = return address).
      const bp = regs[RBP];
      if (bp === undefined || bp < sp) return { pcs, end: "no-cfi" };
      const saved = readU64(mem, bp);
      ra = readU64(mem, bp + 8);
      if (saved === null || ra === null) return { pcs, end: "no-cfi" };
      cfa = bp + 16;
      regs[RBP] = saved;
      regs[RSP] = cfa;
      callSite = true;
    }
    if (ra === null) return { pcs, end: "stack-end" };
    if (ra === 0) return { pcs, end: "outermost" };
    if (cfa <= sp) return { pcs, end: "bad-frame" };
    ip = ra;
    pcs.push(ip);
  }
}

function withIp(regs: readonly (number | undefined)[], ip: number): (number | undefined)[] {
  const r = regs.slice();
  r[16] = ip;
  return r;
}

function ruleValue(
  rule: RegRule,
  cfa: number,
  regs: readonly (number | undefined)[],
  ip: number,
  mem: StackCopy,
): number | undefined {
  switch (rule.k) {
    case "u":
      return undefined;
    case "s": // handled by the caller (it knows the register)
      return undefined;
    case "off":
      return readU64(mem, cfa + rule.n) ?? undefined;
    case "valoff":
      return cfa + rule.n;
    case "reg":
      return regs[rule.r];
    case "exp": {
      const a = evalExpr(rule.e, withIp(regs, ip), mem, cfa);
      return a === null ? undefined : (readU64(mem, a) ?? undefined);
    }
    case "vexp":
      return evalExpr(rule.e, withIp(regs, ip), mem, cfa) ?? undefined;
  }
}
