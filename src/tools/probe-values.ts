// The values a generic tracer (trace, argdist) reads at a probe, in one place for both:
// a name the user wrote (arg1..argN, retval/$retval, args->FIELD, a signature's parameter,
// a tracepoint field) resolved at one attach target to a value slot (where the kernel
// reads it: a tracepoint record field, a register, user memory at a register plus a
// displacement (USDT), a constant; as a number or a string), the per-probe table the
// kernel programs read (lib/probe-args.bpf.h: slots, then the filter's bytecode and string
// constants: probe-filter.ts), and its byte layout, declared once here.
import { InputError, NotSupported } from "../errors.js";
import { openTracefs } from "../platform/tracefs.js";
import { layout } from "../sources/bpf/records.js";
import type { Expr } from "./probe-expr.js";
import { CONST_LEN, compileFilter, type FilterCode, MAX_CONSTS, MAX_INSNS } from "./probe-filter.js";
import type { ProbeTarget } from "./probe-targets.js";
import { parseUsdtArgs, X86_PARAMS, X86_PT_REGS, X86_RETURN } from "./usdt-args.js";

/** Value slots per probe (the values shown or counted, then those only the filter reads). */
export const MAX_SLOTS = 8;
/** Bytes of a string value (with its NUL). */
export const STR_LEN = 64;

const SRC = { none: 0, field: 1, reg: 2, mem: 3, const: 4 } as const;
const STR = { no: 0, user: 1, kernel: 2, inline: 3, dataLoc: 4 } as const;

export interface Slot {
  source: keyof typeof SRC;
  /** Bytes of the number: 1, 2, 4 or 8 (narrower values are sign- or zero-extended). */
  size: number;
  signed: boolean;
  /** How a string is read: at the value as a user or kernel address, or inside the record. */
  str: keyof typeof STR;
  /** field: offset in the tracepoint record; reg, mem: the register's offset in pt_regs. */
  offset: number;
  /** mem: the displacement; const: the value. */
  imm: bigint;
}

/** Layouts: lib/probe-args.bpf.h's struct probe_slot, probe_insn and probe_desc. */
export const SLOT = layout("probe_slot", [
  ["source", "u8"],
  ["size", "u8"],
  ["is_signed", "u8"],
  ["str", "u8"],
  ["offset", "u16"],
  ["pad", "u16"],
  ["imm", "s64"],
]);
export const INSN = layout("probe_insn", [
  ["op", "u8"],
  ["arg", "u8"],
  ["pad", "u16"],
  ["pad2", "u32"],
  ["imm", "u64"],
]);
export const DESC = layout("probe_desc", [
  ["slots", { array: "u64", len: (SLOT.size * MAX_SLOTS) / 8 }],
  ["insns", { array: "u64", len: (INSN.size * MAX_INSNS) / 8 }],
  ["consts", { array: "char", len: CONST_LEN * MAX_CONSTS }],
]);

/** lib/probe-args.bpf.h's struct probe_config: the tools' read-only config. */
export const PROBE_CONFIG = layout("probe_config", [
  ["filter_pid", "u32"],
  ["pad", "u32"],
]);

/** The read-only config: only process `pid` (null: every process). Pure. */
export function probeConfig(pid: number | null): Buffer {
  const cfg = Buffer.alloc(PROBE_CONFIG.size);
  cfg.writeUInt32LE(pid ?? 0, PROBE_CONFIG.off.filter_pid);
  return cfg;
}

/** What a tool lets names mean beyond arg1..argN, retval and args->FIELD. */
export interface NameContext {
  /** argdist's signature: parameter names and C types' size and sign, in order. */
  params?: readonly { name: string; size: number; signed: boolean }[];
  /** Size and sign of retval (argdist: the specifier's TYPE); default 8, signed. */
  retval?: { size: number; signed: boolean };
  /** A bare name may be a tracepoint field (argdist's `count` for `args->count`). */
  bareFields?: boolean;
}

const formats = new Map<string, ReturnType<ReturnType<typeof openTracefs>["format"]>>();
function formatOf(category: string, event: string) {
  const key = `${category}:${event}`;
  let f = formats.get(key);
  if (!f) {
    f = openTracefs().format(category, event);
    formats.set(key, f);
  }
  return f;
}

function regOffset(reg: string): number {
  if (process.arch !== "x64")
    throw new NotSupported(
      "reading registers",
      `tsnap reads x86-64 registers only (this is ${process.arch})`,
    );
  return X86_PT_REGS[reg];
}

const base = { imm: 0n, offset: 0 };

/**
 * The slot of `name` at `target`, read as a string when `asString`. Throws InputError
 * (no such field, parameter or argument) or NotSupported. Reads the tracepoint's format
 * file (cached).
 */
export function slotFor(target: ProbeTarget, name: string, asString: boolean, ctx: NameContext = {}): Slot {
  const userStr = asString ? ("user" as const) : ("no" as const);
  if (target.kind === "tracepoint") {
    const field = name.startsWith("args->") ? name.slice(6) : ctx.bareFields ? name : null;
    const where = `${target.category}:${target.event}`;
    if (field === null) throw new InputError(`${where}: '${name}': a tracepoint's values are args->FIELD`);
    const fmt = formatOf(target.category, target.event);
    const f = fmt.fields.find((x) => x.name === field);
    if (!f)
      throw new InputError(
        `${where} has no field '${field}' (its fields: ${fmt.fields.map((x) => x.name).join(", ")})`,
      );
    const slot = { ...base, source: "field" as const, offset: f.offset, size: f.size, signed: f.signed };
    if (asString) {
      if (f.type.includes("__data_loc")) return { ...slot, size: 4, str: "dataLoc" };
      if (f.arrayLen !== null && /char/.test(f.type)) return { ...slot, size: 1, str: "inline" };
      if (f.type.trim().endsWith("*") && f.size === 8)
        return { ...slot, str: target.category === "syscalls" ? "user" : "kernel" };
      throw new InputError(`${where}: field '${field}' (${f.type}) is not a string`);
    }
    if (f.arrayLen !== null || f.type.includes("__data_loc") || ![1, 2, 4, 8].includes(f.size))
      throw new InputError(`${where}: field '${field}' (${f.type}) is not a number`);
    return { ...slot, str: "no" };
  }
  if (name.startsWith("args->"))
    throw new InputError(`'${name}': args->FIELD is for tracepoints (t:), ${target.func} is a function`);
  if (name === "retval" || name === "$retval") {
    if (target.kind !== "uretprobe") throw new InputError(`'${name}' needs a return probe (r:)`);
    const t = ctx.retval ?? { size: 8, signed: true };
    return { ...base, source: "reg", offset: regOffset(X86_RETURN), ...t, str: userStr };
  }
  const argN = /^arg([1-9]\d?)$/.exec(name);
  if (target.usdtArgs !== undefined) {
    if (!argN) throw new InputError(`USDT ${target.func}: '${name}' (its arguments are arg1..argN)`);
    const args = parseUsdtArgs(target.usdtArgs, target.func);
    const a = args[Number(argN[1]) - 1];
    if (!a) throw new InputError(`USDT ${target.func} has ${args.length} arguments, not ${argN[1]}`);
    const s = { size: a.size, signed: a.signed, str: userStr };
    if (a.kind === "const") return { ...base, ...s, source: "const", imm: a.value };
    if (a.kind === "reg") return { ...base, ...s, source: "reg", offset: regOffset(a.reg) };
    return { ...s, source: "mem", offset: regOffset(a.reg), imm: BigInt(a.disp) };
  }
  const pi = ctx.params?.findIndex((p) => p.name === name) ?? -1;
  const n = pi >= 0 ? pi + 1 : argN ? Number(argN[1]) : 0;
  if (n === 0)
    throw new InputError(
      ctx.params
        ? `'${name}' is not a parameter of the signature (nor arg1..arg6)`
        : `'${name}': a function's values are arg1..arg6 and retval`,
    );
  if (n > X86_PARAMS.length) throw new InputError(`'${name}': registers pass only the first 6 parameters`);
  const t = pi >= 0 ? ctx.params![pi] : { size: 8, signed: true };
  return {
    ...base,
    source: "reg",
    offset: regOffset(X86_PARAMS[n - 1]),
    size: t.size,
    signed: t.signed,
    str: userStr,
  };
}

/** A probe's slots and filter in a list; equal slots share one index. */
export class SlotTable {
  readonly slots: Slot[] = [];
  /** The index of `s`, added when new. Throws InputError past MAX_SLOTS. */
  add(s: Slot): number {
    const i = this.slots.findIndex(
      (x) =>
        x.source === s.source &&
        x.offset === s.offset &&
        x.imm === s.imm &&
        x.str === s.str &&
        x.size === s.size &&
        x.signed === s.signed,
    );
    if (i >= 0) return i;
    if (this.slots.length >= MAX_SLOTS) throw new InputError(`more than ${MAX_SLOTS} values at one probe`);
    return this.slots.push(s) - 1;
  }
}

/** The kernel's table for one probe: its slots, its filter's bytecode (none: always true). Pure. */
export function encodeDesc(
  slots: readonly Slot[],
  filter: FilterCode | null,
  out = Buffer.alloc(DESC.size),
  at = 0,
): Buffer {
  slots.forEach((s, i) => {
    const o = at + DESC.off.slots + i * SLOT.size;
    out[o + SLOT.off.source] = SRC[s.source];
    out[o + SLOT.off.size] = s.size;
    out[o + SLOT.off.is_signed] = s.signed ? 1 : 0;
    out[o + SLOT.off.str] = STR[s.str];
    out.writeUInt16LE(s.offset, o + SLOT.off.offset);
    out.writeBigInt64LE(BigInt.asIntN(64, s.imm), o + SLOT.off.imm);
  });
  filter?.insns.forEach((x, i) => {
    const o = at + DESC.off.insns + i * INSN.size;
    out[o + INSN.off.op] = x.op;
    out[o + INSN.off.arg] = x.arg;
    out.writeBigUInt64LE(BigInt.asUintN(64, x.imm), o + INSN.off.imm);
  });
  filter?.consts.forEach((c, i) => {
    out.write(c, at + DESC.off.consts + i * CONST_LEN, CONST_LEN - 1);
  });
  return out;
}

/** One probe's table for the kernel, and which slot holds each value the tool shows or counts. */
export interface ProbeTable {
  desc: Buffer;
  valueSlots: number[];
  slots: Slot[];
}

/**
 * The table of `target`: the `values` (each read as a number or a string) in slots first,
 * then those only `filter` reads, and the filter compiled (probe-filter.ts). Throws
 * UsageError (the filter) or InputError (a name with no value at this target).
 */
export function probeTable(
  target: ProbeTarget,
  values: readonly { name: string; asString: boolean }[],
  filter: { expr: Expr; text: string } | null,
  ctx: NameContext = {},
): ProbeTable {
  const table = new SlotTable();
  const valueSlots = values.map((v) => table.add(slotFor(target, v.name, v.asString, ctx)));
  const code = filter
    ? compileFilter(
        filter.expr,
        (name, _at, asString) => {
          const s = slotFor(target, name, asString, ctx);
          return { slot: table.add(s), signed: s.signed || s.size < 8 };
        },
        filter.text,
      )
    : null;
  return { desc: encodeDesc(table.slots, code), valueSlots, slots: table.slots };
}
