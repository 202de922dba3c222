// Where a USDT probe's arguments are, from the argument string of its `.note.stapsdt` note
// (systemtap's <sys/sdt.h> on x86-64): "-4@%edi 8@-16(%rbp) 8@$5" — each SIZE@OPERAND, a
// negative SIZE signed. Operands: a register (%rdi, %edi, %di, %dil, %r8d, ...), memory at
// a register plus a displacement (-16(%rbp), (%rax)), a constant ($5). Also the x86-64
// pt_regs offsets the kernel programs read registers at (the ptrace ABI's struct pt_regs).
// Forms tsnap does not read (an index register, %rip-relative symbols, segments) are an
// InputError naming the argument. Pure.
import { InputError } from "../errors.js";

/** Byte offset of each 64-bit register in x86-64's struct pt_regs (arch/x86/include/asm/ptrace.h). */
export const X86_PT_REGS: Readonly<Record<string, number>> = {
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  rbp: 32,
  rbx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  rax: 80,
  rcx: 88,
  rdx: 96,
  rsi: 104,
  rdi: 112,
  rip: 128,
  rsp: 152,
};

/** The registers of a function's first six integer parameters, and of its return value (SysV x86-64). */
export const X86_PARAMS = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"] as const;
export const X86_RETURN = "rax";

/** A register's name at any width (%eax, %ax, %al, %r8d, %r8w, %r8b) → its 64-bit register; null if unknown. */
export function fullRegister(name: string): string | null {
  if (name in X86_PT_REGS) return name;
  const legacy: Record<string, string> = {
    eax: "rax",
    ax: "rax",
    al: "rax",
    ebx: "rbx",
    bx: "rbx",
    bl: "rbx",
    ecx: "rcx",
    cx: "rcx",
    cl: "rcx",
    edx: "rdx",
    dx: "rdx",
    dl: "rdx",
    esi: "rsi",
    si: "rsi",
    sil: "rsi",
    edi: "rdi",
    di: "rdi",
    dil: "rdi",
    ebp: "rbp",
    bp: "rbp",
    bpl: "rbp",
    esp: "rsp",
    sp: "rsp",
    spl: "rsp",
  };
  if (name in legacy) return legacy[name];
  const m = /^(r(?:8|9|1[0-5]))[dwb]$/.exec(name);
  return m ? m[1] : null;
}

export type UsdtArg =
  | { kind: "reg"; size: number; signed: boolean; reg: string }
  | { kind: "mem"; size: number; signed: boolean; reg: string; disp: number }
  | { kind: "const"; size: number; signed: boolean; value: bigint };

/** One note's argument string → its arguments, in order. Throws InputError. Pure. */
export function parseUsdtArgs(text: string, probe: string): UsdtArg[] {
  const words = text.trim() === "" ? [] : text.trim().split(/\s+/);
  return words.map((w, i) => {
    const bad = (why: string): never => {
      throw new InputError(`USDT ${probe}: argument ${i + 1} '${w}': ${why}`);
    };
    const m = /^(-?)(1|2|4|8)@(.+)$/.exec(w);
    if (!m) return bad("not SIZE@OPERAND");
    const size = Number(m[2]);
    const signed = m[1] === "-";
    const op = m[3];
    let x = /^\$(-?)(0x[0-9a-fA-F]+|\d+)$/.exec(op);
    if (x) {
      const v = BigInt(x[2]);
      return { kind: "const", size, signed, value: x[1] ? -v : v };
    }
    x = /^%([a-z0-9]+)$/.exec(op);
    if (x) {
      const reg = fullRegister(x[1]);
      if (!reg || reg === "rip") return bad(`register %${x[1]} is not read`);
      return { kind: "reg", size, signed, reg };
    }
    x = /^(-?(?:0x[0-9a-fA-F]+|\d+))?\(%([a-z0-9]+)\)$/.exec(op);
    if (x) {
      const reg = fullRegister(x[2]);
      if (!reg || reg === "rip") return bad(`base %${x[2]} is not read (a %rip-relative symbol?)`);
      const d = x[1] ?? "0";
      const disp = d.startsWith("-") ? -Number(d.slice(1)) : Number(d);
      if (!Number.isSafeInteger(disp) || Math.abs(disp) >= 2 ** 31) return bad("displacement out of range");
      return { kind: "mem", size, signed, reg, disp };
    }
    return bad("an operand form tsnap does not read (index registers, symbols, segments)");
  });
}
