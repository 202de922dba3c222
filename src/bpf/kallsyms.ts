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

function hex8(text: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const c = text.charCodeAt(i);
    v = v * 16 + (c <= 57 ? c - 48 : (c | 0x20) - 87);
  }
  return v;
}

/** Parses /proc/kallsyms text: keeps text symbols (t, T, w, W) in the kernel's high half. */
export function parseKallsyms(text: string): KernelSymbols {
  let n = 0;
  let cap = 1 << 17;
  let addrs = new Float64Array(cap);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let sorted = true;
  const sched: [number, number] = [0, 0];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    // "ffffffff81000000 T _stext\t[module]"
    if (end - start > 19 && text.startsWith("ffffffff", start)) {
      const type = text.charCodeAt(start + 17) | 0x20; // lower-case
      const low = type === 0x74 || type === 0x77 ? hex8(text, start + 8) : 0;
      if (low !== 0) {
        if (n === cap) {
          cap *= 2;
          const a2 = new Float64Array(cap);
          a2.set(addrs);
          addrs = a2;
          const s2 = new Int32Array(cap);
          s2.set(starts);
          starts = s2;
          const e2 = new Int32Array(cap);
          e2.set(ends);
          ends = e2;
        }
        let nameEnd = end;
        for (let i = start + 19; i < end; i++) {
          if (text.charCodeAt(i) === 9) {
            nameEnd = i;
            break;
          }
        }
        if (n > 0 && low < addrs[n - 1]) sorted = false;
        if (text.startsWith("__sched_text_", start + 19)) {
          const which = text.slice(start + 32, nameEnd);
          if (which === "start") sched[0] = low;
          else if (which === "end") sched[1] = low;
        }
        addrs[n] = low;
        starts[n] = start + 19;
        ends[n] = nameEnd;
        n++;
      }
    }
    start = end + 1;
  }
  let order: Uint32Array | null = null;
  if (!sorted) {
    order = Uint32Array.from({ length: n }, (_, i) => i).sort((x, y) => addrs[x] - addrs[y]);
    addrs = Float64Array.from(order, (i) => addrs[i]);
  } else {
    addrs = addrs.slice(0, n);
  }
  const ord = order;
  const name = (i: number) => {
    const j = ord ? ord[i] : i;
    return text.slice(starts[j], ends[j]);
  };
  return new KernelSymbols(addrs, name, sched);
}

let cached: KernelSymbols | null = null;

/** The running kernel's symbols (read once). Without root the addresses are all zero. */
export function kernelSymbols(): KernelSymbols {
  cached ??= parseKallsyms(readProcFile("/proc/kallsyms"));
  return cached;
}

/** Reads a /proc file in big sequential reads (readFileSync's small reads of
 * /proc/kallsyms make the kernel re-walk the symbol table: seconds instead of ~80 ms). */
function readProcFile(path: string): string {
  const fd = openSync(path, "r");
  try {
    let buf = Buffer.allocUnsafe(8 << 20);
    let len = 0;
    for (;;) {
      if (buf.length - len < 1 << 20) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n <= 0) break;
      len += n;
    }
    return buf.toString("latin1", 0, len);
  } finally {
    closeSync(fd);
  }
}
