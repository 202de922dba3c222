// DWARF call frame information from an ELF file's .eh_frame (and its .eh_frame_hdr search
// table): which FDE covers an address, and the unwind row at that address (how to find
// the canonical frame address and where each register was saved), as the CFA programs
// of the CIE and FDE say. x86-64 register numbers (7 rsp, 6 rbp, 16 the return address).
// Pure: takes the sections' bytes and addresses. The input is hostile (any mapped file):
// every read is bounds-checked, and a malformed entry reads as "no rule" rather than
// throwing. Truth for the tests: binutils' `readelf --debug-dump=frames-interp`.

/** A register's rule in a row (DWARF 6.4.1); `n` is a byte offset from the CFA. */
export type RegRule =
  | { k: "u" } // undefined: the register (the return address: the outermost frame) is gone
  | { k: "s" } // same value as in the callee
  | { k: "off"; n: number } // saved at CFA + n
  | { k: "valoff"; n: number } // its value is CFA + n
  | { k: "reg"; r: number } // in register r
  | { k: "exp"; e: Buffer } // saved at the address the expression computes
  | { k: "vexp"; e: Buffer }; // its value is what the expression computes

export type CfaRule = { reg: number; off: number } | { e: Buffer };

export interface CfiRow {
  cfa: CfaRule;
  /** Rules by register number; a register absent here has no rule in this FDE. */
  regs: Map<number, RegRule>;
  /** The return-address column of the CIE (16 on x86-64). */
  ra: number;
  /** A signal frame (augmentation 'S'): its caller's address is not a return address. */
  signal: boolean;
}

export interface Fde {
  /** Offset of the FDE in .eh_frame. */
  at: number;
  cie: number;
  start: number;
  end: number;
}

/**
 * .eh_frame (and .eh_frame_hdr when present) of one file, with their virtual addresses; or
 * with `debugFrame` its .debug_frame (DWARF's own table: CIEs have id 0xffffffff, an FDE
 * names its CIE by offset from the section's start, addresses are absolute, no header).
 */
export interface CfiSections {
  ehFrame: Buffer;
  ehFrameAddr: number;
  hdr: Buffer | null;
  hdrAddr: number;
  debugFrame?: boolean;
}

/** A CIE's id in .eh_frame and in .debug_frame. */
const EH_CIE_ID = 0;
const DEBUG_CIE_ID = 0xffffffff;

interface Cie {
  codeAlign: number;
  dataAlign: number;
  ra: number;
  fdeEnc: number;
  hasAug: boolean;
  signal: boolean;
  init: [number, number]; // the initial instructions: [start, end) in .eh_frame
}

const OMIT = 0xff;

/** A cursor over a buffer; reads past the end set `bad` and return 0. */
class Reader {
  bad = false;
  constructor(
    readonly b: Buffer,
    public p: number,
    readonly end: number,
  ) {}
  private room(n: number): boolean {
    if (this.p + n > this.end || this.p < 0) {
      this.bad = true;
      this.p = this.end;
      return false;
    }
    return true;
  }
  u8(): number {
    if (!this.room(1)) return 0;
    return this.b[this.p++];
  }
  u16(): number {
    if (!this.room(2)) return 0;
    const v = this.b.readUInt16LE(this.p);
    this.p += 2;
    return v;
  }
  u32(): number {
    if (!this.room(4)) return 0;
    const v = this.b.readUInt32LE(this.p);
    this.p += 4;
    return v;
  }
  s32(): number {
    if (!this.room(4)) return 0;
    const v = this.b.readInt32LE(this.p);
    this.p += 4;
    return v;
  }
  u64(): number {
    if (!this.room(8)) return 0;
    const v = this.b.readUInt32LE(this.p) + this.b.readUInt32LE(this.p + 4) * 2 ** 32;
    this.p += 8;
    return v;
  }
  s64(): number {
    if (!this.room(8)) return 0;
    const v = Number(this.b.readBigInt64LE(this.p));
    this.p += 8;
    return v;
  }
  uleb(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const c = this.u8();
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (!(c & 0x80)) return v;
    }
    this.bad = true;
    return 0;
  }
  sleb(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const c = this.u8();
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (!(c & 0x80)) return c & 0x40 ? v - mul : v;
    }
    this.bad = true;
    return 0;
  }
  cstr(): string {
    const nul = this.b.indexOf(0, this.p);
    if (nul < 0 || nul >= this.end) {
      this.bad = true;
      this.p = this.end;
      return "";
    }
    const s = this.b.toString("latin1", this.p, nul);
    this.p = nul + 1;
    return s;
  }
  block(): Buffer {
    const n = this.uleb();
    if (!this.room(n)) return Buffer.alloc(0);
    const v = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return v;
  }
  /** A pointer in DW_EH_PE encoding `enc`; `base` is the section's address (pcrel), `data` datarel's base. */
  ptr(enc: number, base: number, data = 0): number {
    if (enc === OMIT) return 0;
    const here = base + this.p;
    let v: number;
    switch (enc & 0x0f) {
      case 0x00:
        v = this.u64();
        break;
      case 0x01:
        v = this.uleb();
        break;
      case 0x02:
        v = this.u16();
        break;
      case 0x03:
        v = this.u32();
        break;
      case 0x04:
        v = this.u64();
        break;
      case 0x09:
        v = this.sleb();
        break;
      case 0x0a: {
        const u = this.u16();
        v = u >= 0x8000 ? u - 0x10000 : u;
        break;
      }
      case 0x0b:
        v = this.s32();
        break;
      case 0x0c:
        v = this.s64();
        break;
      default:
        this.bad = true;
        return 0;
    }
    switch (enc & 0x70) {
      case 0x00:
        return v;
      case 0x10:
        return here + v;
      case 0x30:
        return data + v;
      default:
        this.bad = true; // textrel, funcrel, aligned: not used on x86-64 Linux
        return 0;
    }
  }
}

/** The [start, end) of the entry at `at` and where its body begins; null at a terminator or past the end. */
function entry(b: Buffer, at: number): { body: number; end: number; idAt: number } | null {
  if (at + 4 > b.length) return null;
  let len = b.readUInt32LE(at);
  let p = at + 4;
  if (len === 0) return null;
  if (len === 0xffffffff) {
    if (at + 12 > b.length) return null;
    len = Number(b.readBigUInt64LE(at + 4));
    p = at + 12;
  }
  const end = p + len;
  if (end > b.length || len < 4) return null;
  return { body: p + 4, end, idAt: p };
}

/** Parsed CIE and FDE lookup of one file; rows are cached per address. */
export class CfiTable {
  private readonly cies = new Map<number, Cie | null>();
  private index: Fde[] | null = null;
  private readonly rows = new Map<number, CfiRow | null>();
  private readonly cieId: number;

  constructor(readonly s: CfiSections) {
    this.cieId = s.debugFrame ? DEBUG_CIE_ID : EH_CIE_ID;
  }

  /** The offset of the CIE an FDE's id field (at `idAt`, holding `id`) names. */
  private cieOf(idAt: number, id: number): number {
    return this.s.debugFrame ? id : idAt - id;
  }

  private cie(at: number): Cie | null {
    let c = this.cies.get(at);
    if (c !== undefined) return c;
    c = null;
    const e = entry(this.s.ehFrame, at);
    if (e && this.s.ehFrame.readUInt32LE(e.idAt) === this.cieId) {
      const r = new Reader(this.s.ehFrame, e.body, e.end);
      const version = r.u8();
      const aug = r.cstr();
      if (aug.includes("eh")) r.u64();
      if (version >= 4) r.p += 2; // .debug_frame v4: address_size, segment_selector_size
      const codeAlign = r.uleb();
      const dataAlign = r.sleb();
      const ra = version === 1 ? r.u8() : r.uleb();
      let fdeEnc = 0;
      let hasAug = false;
      let signal = false;
      if (aug.startsWith("z")) {
        hasAug = true;
        const augLen = r.uleb();
        const augEnd = r.p + augLen;
        for (const ch of aug.slice(1)) {
          if (ch === "R") fdeEnc = r.u8();
          else if (ch === "L") r.u8();
          else if (ch === "P") r.ptr(r.u8(), this.s.ehFrameAddr);
          else if (ch === "S") signal = true;
          else if (ch !== "B") break; // unknown: augmentation data length lets us skip it
        }
        r.p = augEnd;
      }
      if (!r.bad && r.p <= e.end)
        c = { codeAlign, dataAlign, ra, fdeEnc, hasAug, signal, init: [r.p, e.end] };
    }
    this.cies.set(at, c);
    return c;
  }

  /** The FDE at offset `at` of .eh_frame (null for a CIE, a terminator, or garbage). */
  fdeAt(at: number): (Fde & { next: number }) | null {
    const b = this.s.ehFrame;
    const e = entry(b, at);
    if (!e) return null;
    const id = b.readUInt32LE(e.idAt);
    if (id === this.cieId) return { at, cie: -1, start: 0, end: 0, next: e.end };
    const cieAt = this.cieOf(e.idAt, id);
    const cie = this.cie(cieAt);
    if (!cie) return { at, cie: -1, start: 0, end: 0, next: e.end };
    const r = new Reader(b, e.body, e.end);
    const start = r.ptr(cie.fdeEnc, this.s.ehFrameAddr);
    const range = r.ptr(cie.fdeEnc & 0x0f, this.s.ehFrameAddr);
    if (r.bad) return { at, cie: -1, start: 0, end: 0, next: e.end };
    return { at, cie: cieAt, start, end: start + range, next: e.end };
  }

  /** Every FDE of .eh_frame in file order (a scan; the tests and files without a header use it). */
  allFdes(): Fde[] {
    const out: Fde[] = [];
    for (let at = 0; at < this.s.ehFrame.length; ) {
      const f = this.fdeAt(at);
      if (!f) break;
      if (f.cie >= 0) out.push({ at: f.at, cie: f.cie, start: f.start, end: f.end });
      at = f.next;
    }
    return out;
  }

  /** The FDE whose range holds `pc` (virtual address in the file), through .eh_frame_hdr's table. */
  find(pc: number): Fde | null {
    const viaHdr = this.findInHdr(pc);
    if (viaHdr !== undefined) return viaHdr;
    this.index ??= this.allFdes().sort((a, b) => a.start - b.start);
    let lo = 0;
    let hi = this.index.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.index[mid].start <= pc) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const f = best >= 0 ? this.index[best] : null;
    return f && pc < f.end ? f : null;
  }

  /** undefined: no usable header (search the scan index instead). */
  private findInHdr(pc: number): Fde | null | undefined {
    const h = this.s.hdr;
    if (!h || h.length < 4 || h[0] !== 1) return undefined;
    const tableEnc = h[3];
    if (tableEnc !== 0x3b) return undefined; // datarel sdata4: what every linker writes
    const r = new Reader(h, 4, h.length);
    r.ptr(h[1], this.s.hdrAddr, this.s.hdrAddr);
    const count = r.ptr(h[2], this.s.hdrAddr, this.s.hdrAddr);
    const table = r.p;
    if (r.bad || table + count * 8 > h.length) return undefined;
    let lo = 0;
    let hi = count - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.s.hdrAddr + h.readInt32LE(table + mid * 8) <= pc) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return null;
    const fdeAddr = this.s.hdrAddr + h.readInt32LE(table + best * 8 + 4);
    const f = this.fdeAt(fdeAddr - this.s.ehFrameAddr);
    if (!f || f.cie < 0 || pc < f.start || pc >= f.end) return null;
    return { at: f.at, cie: f.cie, start: f.start, end: f.end };
  }

  /** The row in effect at `pc` (cached), or null when no FDE covers it. */
  rowAt(pc: number): CfiRow | null {
    let row = this.rows.get(pc);
    if (row !== undefined) return row;
    const f = this.find(pc);
    row = f ? this.rowIn(f, pc) : null;
    if (this.rows.size >= 100_000) this.rows.clear();
    this.rows.set(pc, row);
    return row;
  }

  /** Runs the CIE's initial instructions, then the FDE's, up to the row that holds `pc`. */
  rowIn(f: Fde, pc: number): CfiRow | null {
    const cie = this.cie(f.cie);
    const e = entry(this.s.ehFrame, f.at);
    if (!cie || !e) return null;
    const r = new Reader(this.s.ehFrame, e.body, e.end);
    r.ptr(cie.fdeEnc, this.s.ehFrameAddr);
    r.ptr(cie.fdeEnc & 0x0f, this.s.ehFrameAddr);
    if (cie.hasAug) r.p += r.uleb();
    if (r.bad) return null;
    const state: State = { cfa: { reg: 7, off: 8 }, regs: new Map() };
    const ok1 = execute(
      new Reader(this.s.ehFrame, cie.init[0], cie.init[1]),
      cie,
      state,
      null,
      Infinity,
      0,
      this,
    );
    if (!ok1) return null;
    const initial = new Map(state.regs);
    const ok2 = execute(r, cie, state, initial, pc, f.start, this);
    if (!ok2) return null;
    return { cfa: state.cfa, regs: state.regs, ra: cie.ra, signal: cie.signal };
  }

  /** .eh_frame's address (for DW_CFA_set_loc's pcrel pointers). */
  get base(): number {
    return this.s.ehFrameAddr;
  }
}

interface State {
  cfa: CfaRule;
  regs: Map<number, RegRule>;
}

/**
 * Executes CFA instructions until the location passes `pc` (the row at pc is then in
 * `state`). `initial` is the CIE's rules (DW_CFA_restore); null while running the CIE.
 */
function execute(
  r: Reader,
  cie: Cie,
  state: State,
  initial: Map<number, RegRule> | null,
  pc: number,
  start: number,
  t: CfiTable,
): boolean {
  let loc = start;
  const stack: State[] = [];
  const set = (reg: number, rule: RegRule) => state.regs.set(reg, rule);
  const restore = (reg: number) => {
    const rule = initial?.get(reg);
    if (rule) state.regs.set(reg, rule);
    else state.regs.delete(reg);
  };
  const advance = (delta: number) => {
    loc += delta * cie.codeAlign;
    return loc <= pc;
  };
  while (r.p < r.end) {
    const op = r.u8();
    const hi = op & 0xc0;
    const lo = op & 0x3f;
    if (hi === 0x40) {
      if (!advance(lo)) return true;
      continue;
    }
    if (hi === 0x80) {
      set(lo, { k: "off", n: r.uleb() * cie.dataAlign });
      continue;
    }
    if (hi === 0xc0) {
      restore(lo);
      continue;
    }
    switch (op) {
      case 0x00: // nop
        break;
      case 0x01: // set_loc
        loc = r.ptr(cie.fdeEnc, t.base);
        if (loc > pc) return true;
        break;
      case 0x02:
        if (!advance(r.u8())) return true;
        break;
      case 0x03:
        if (!advance(r.u16())) return true;
        break;
      case 0x04:
        if (!advance(r.u32())) return true;
        break;
      case 0x05:
        set(r.uleb(), { k: "off", n: r.uleb() * cie.dataAlign });
        break;
      case 0x06:
        restore(r.uleb());
        break;
      case 0x07:
        set(r.uleb(), { k: "u" });
        break;
      case 0x08:
        set(r.uleb(), { k: "s" });
        break;
      case 0x09: {
        const reg = r.uleb();
        set(reg, { k: "reg", r: r.uleb() });
        break;
      }
      case 0x0a: // remember_state
        if (stack.length >= 64) return false;
        stack.push({ cfa: state.cfa, regs: new Map(state.regs) });
        break;
      case 0x0b: {
        // restore_state: the CFA rule too (as GCC's unwinder and readelf do)
        const s = stack.pop();
        if (!s) return false;
        state.cfa = s.cfa;
        state.regs = s.regs;
        break;
      }
      case 0x0c: {
        const reg = r.uleb();
        state.cfa = { reg, off: r.uleb() };
        break;
      }
      case 0x0d: {
        const reg = r.uleb();
        state.cfa = { reg, off: "off" in state.cfa ? state.cfa.off : 0 };
        break;
      }
      case 0x0e:
        state.cfa = { reg: "reg" in state.cfa ? state.cfa.reg : 7, off: r.uleb() };
        break;
      case 0x0f:
        state.cfa = { e: r.block() };
        break;
      case 0x10: {
        const reg = r.uleb();
        set(reg, { k: "exp", e: r.block() });
        break;
      }
      case 0x11: {
        const reg = r.uleb();
        set(reg, { k: "off", n: r.sleb() * cie.dataAlign });
        break;
      }
      case 0x12: {
        const reg = r.uleb();
        state.cfa = { reg, off: r.sleb() * cie.dataAlign };
        break;
      }
      case 0x13:
        state.cfa = { reg: "reg" in state.cfa ? state.cfa.reg : 7, off: r.sleb() * cie.dataAlign };
        break;
      case 0x14: {
        const reg = r.uleb();
        set(reg, { k: "valoff", n: r.uleb() * cie.dataAlign });
        break;
      }
      case 0x15: {
        const reg = r.uleb();
        set(reg, { k: "valoff", n: r.sleb() * cie.dataAlign });
        break;
      }
      case 0x16: {
        const reg = r.uleb();
        set(reg, { k: "vexp", e: r.block() });
        break;
      }
      case 0x2e: // GNU_args_size
        r.uleb();
        break;
      case 0x2f: {
        const reg = r.uleb();
        set(reg, { k: "off", n: -r.uleb() * cie.dataAlign });
        break;
      }
      default:
        return false; // unknown op: its operands cannot be skipped
    }
    if (r.bad) return false;
  }
  return true;
}

const REG_NAMES = [
  "rax",
  "rdx",
  "rcx",
  "rbx",
  "rsi",
  "rdi",
  "rbp",
  "rsp",
  "r8",
  "r9",
  "r10",
  "r11",
  "r12",
  "r13",
  "r14",
  "r15",
  "ra",
];

/** An x86-64 DWARF register's name as readelf prints it. */
export function regName(n: number): string {
  return REG_NAMES[n] ?? `r${n}`;
}

/** A row's CFA column as readelf's frames-interp prints it ("rsp+8", "exp"). */
export function cfaText(c: CfaRule): string {
  return "e" in c ? "exp" : `${regName(c.reg)}${c.off >= 0 ? "+" : ""}${c.off}`;
}

/** A register column as readelf prints it ("u", "s", "c-16", "v+8", "r1 (rdx)", "exp", "vexp"). */
export function ruleText(r: RegRule | undefined): string {
  if (!r) return "u";
  switch (r.k) {
    case "u":
      return "u";
    case "s":
      return "s";
    case "off":
      return `c${r.n >= 0 ? "+" : ""}${r.n}`;
    case "valoff":
      return `v${r.n >= 0 ? "+" : ""}${r.n}`;
    case "reg":
      return `r${r.r} (${regName(r.r)})`;
    case "exp":
      return "exp";
    case "vexp":
      return "vexp";
  }
}
