// Kernel address → "func+0xoff" from /proc/kallsyms (root sees real addresses). The parser
// is pure; loading reads the file once per process, lazily, only when stacks are asked for.
import { closeSync, openSync, readSync } from "node:fs";

const HIGH = 0xffffffff00000000n;

export class KernelSymbols {
  private readonly sched: [number, number];

  /**
   * @param addrs low 32 bits of text-symbol addresses whose high half is 0xffffffff, ascending
   * @param name the name of the i-th symbol (resolved lazily: only symbols in stacks are sliced)
   */
  constructor(
    private readonly addrs: Float64Array,
    private readonly name: (i: number) => string,
    sched: [number, number] = [0, 0],
  ) {
    this.sched = sched;
  }

  get size(): number {
    return this.addrs.length;
  }

  /** True for addresses in the scheduler's text (schedule(), io_schedule(), ...), which
   * /proc/PID/wchan skips to name what a thread waits in. */
  inSchedText(addr: bigint): boolean {
    if ((addr & HIGH) !== HIGH) return false;
    const low = Number(addr & 0xffffffffn);
    return low >= this.sched[0] && low < this.sched[1];
  }

  /** "func+0xoff" for an address, or its hex form when no symbol covers it. */
  symbolize(addr: bigint): string {
    if ((addr & HIGH) !== HIGH || this.addrs.length === 0) return `0x${addr.toString(16)}`;
    const low = Number(addr & 0xffffffffn);
    const a = this.addrs;
    if (low < a[0]) return `0x${addr.toString(16)}`;
    let lo = 0;
    let hi = a.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid] <= low) lo = mid;
      else hi = mid - 1;
    }
    return `${this.name(lo)}+0x${(low - a[lo]).toString(16)}`;
  }
}

function hex8(b: Uint8Array, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const c = b[i];
    v = v * 16 + (c <= 57 ? c - 48 : (c | 0x20) - 87);
  }
  return v;
}

const NL = 10;
const TAB = 9;
const FFFFFFFF = Buffer.from("ffffffff", "latin1");
const SCHED_TEXT = Buffer.from("__sched_text_", "latin1");

function startsWith(b: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * /proc/kallsyms parsed as it is read, a chunk at a time: only text symbols (t, T, w, W)
 * in the kernel's high half are kept, their names copied into one compact buffer (about
 * half the file). Neither the whole file nor a string of it is ever held (the file is
 * 5+ MB; holding it and its text cost capture ~12 MB of peak RSS).
 */
export class KallsymsParser {
  private n = 0;
  private addrs = new Float64Array(1 << 17);
  private starts = new Int32Array(1 << 17);
  private ends = new Int32Array(1 << 17);
  private names = Buffer.allocUnsafe(1 << 22);
  private used = 0;
  private sorted = true;
  private readonly sched: [number, number] = [0, 0];

  /** Parses the whole lines of b[0, len); returns where the unparsed rest (a partial line) starts. */
  push(b: Buffer, len = b.length): number {
    // Byte loops, not Buffer methods: a native call per line costs more than the line.
    let start = 0;
    for (let i = 0; i < len; i++) {
      if (b[i] !== NL) continue;
      this.line(b, start, i);
      start = i + 1;
    }
    return start;
  }

  /** The last line (without a newline), then the symbols. */
  finish(b?: Buffer, len = 0): KernelSymbols {
    if (b !== undefined && len > 0) this.line(b, 0, len);
    const n = this.n;
    // Views, not copies: capacity never written is never resident.
    let addrs = this.addrs.subarray(0, n);
    let order: Uint32Array | null = null;
    if (!this.sorted) {
      // Sorted natively as one number per symbol, address * 2^20 + index (exact below
      // 2^53): a comparator sort of ~120,000 symbols took ~200 ms of start-up.
      if (n >= 1 << 20) throw new Error(`kallsyms: ${n} text symbols, more than the sort handles`);
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = addrs[i] * 1048576 + i;
      keys.sort();
      order = new Uint32Array(n);
      addrs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const k = keys[i];
        addrs[i] = Math.floor(k / 1048576);
        order[i] = k - addrs[i] * 1048576;
      }
    }
    const names = this.names;
    const starts = this.starts;
    const ends = this.ends;
    const ord = order;
    const name = (i: number) => {
      const j = ord ? ord[i] : i;
      return names.toString("latin1", starts[j], ends[j]);
    };
    return new KernelSymbols(addrs, name, this.sched);
  }

  // "ffffffff81000000 T _stext\t[module]"
  private line(b: Buffer, start: number, end: number): void {
    if (end - start <= 19 || !startsWith(b, start, FFFFFFFF)) return;
    const type = b[start + 17] | 0x20; // lower-case
    if (type !== 0x74 && type !== 0x77) return;
    const low = hex8(b, start + 8);
    if (low === 0) return;
    const nameStart = start + 19;
    let nameEnd = nameStart;
    while (nameEnd < end && b[nameEnd] !== TAB) nameEnd++;
    const n = this.n;
    if (n === this.addrs.length) this.grow();
    if (n > 0 && low < this.addrs[n - 1]) this.sorted = false;
    if (startsWith(b, nameStart, SCHED_TEXT)) {
      const which = b.toString("latin1", nameStart + SCHED_TEXT.length, nameEnd);
      if (which === "start") this.sched[0] = low;
      else if (which === "end") this.sched[1] = low;
    }
    const len = nameEnd - nameStart;
    if (this.used + len > this.names.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.names.length, this.used + len));
      this.names.copy(bigger, 0, 0, this.used);
      this.names = bigger;
    }
    const names = this.names;
    for (let i = 0; i < len; i++) names[this.used + i] = b[nameStart + i];
    this.addrs[n] = low;
    this.starts[n] = this.used;
    this.ends[n] = this.used + len;
    this.used += len;
    this.n = n + 1;
  }

  private grow(): void {
    const cap = 2 * this.addrs.length;
    const a = new Float64Array(cap);
    a.set(this.addrs);
    this.addrs = a;
    const s = new Int32Array(cap);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(cap);
    e.set(this.ends);
    this.ends = e;
  }
}

/** Parses /proc/kallsyms text: keeps text symbols (t, T, w, W) in the kernel's high half. */
export function parseKallsyms(text: string): KernelSymbols {
  const p = new KallsymsParser();
  const b = Buffer.from(text, "latin1");
  const rest = p.push(b);
  return p.finish(b.subarray(rest), b.length - rest);
}

let cached: KernelSymbols | null = null;

/** The running kernel's symbols (read once). Without root the addresses are all zero. */
export function kernelSymbols(): KernelSymbols {
  cached ??= readKallsyms("/proc/kallsyms");
  return cached;
}

/** Reads and parses a kallsyms file in 1 MiB sequential reads (readFileSync's small reads
 * of /proc/kallsyms make the kernel re-walk the symbol table: seconds instead of ~80 ms). */
function readKallsyms(path: string): KernelSymbols {
  const fd = openSync(path, "r");
  try {
    const p = new KallsymsParser();
    let buf = Buffer.allocUnsafe(1 << 20);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        // one line longer than the buffer: never in kallsyms, but stay correct
        const bigger = Buffer.allocUnsafe(2 * buf.length);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n <= 0) return p.finish(buf, len);
      len += n;
      const rest = p.push(buf, len);
      buf.copy(buf, 0, rest, len);
      len -= rest;
    }
  } finally {
    closeSync(fd);
  }
}
