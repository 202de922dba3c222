// A file's function symbols for address lookups, built from the raw .symtab and .dynsym
// entries without decoding a name: each function's address, size and name offset in typed
// arrays sorted by address. A lookup decodes only the names of the symbols at the address
// it lands on (read from the file's string table when first asked, then kept), so a
// profile pays for the frames it saw, not for the binary's whole table (node: 185,000
// entries scanned and sorted in ~20 ms, where decoding its 154,000 function names took
// 0.5-1.5 s). Aliases at one address are chosen as elfFunctions (elf.ts) chooses them.
// The input is hostile: entries and name offsets outside the file are dropped.
import type { ElfSection, ElfSymbol } from "./elf.js";
import type { Bytes } from "./file-bytes.js";

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const ENTRY = 24;
/** Longest symbol name read. */
const MAX_NAME = 4096;
/** Symbol entries are read this many bytes at a time into one buffer shared by all tables. */
const CHUNK = ENTRY * 16384;
let scratch: Buffer | null = null;

/** A u64 read as a number (addresses and sizes stay below 2^53). */
const u64 = (b: Buffer, o: number) => b.readUInt32LE(o) + b.readUInt32LE(o + 4) * 2 ** 32;

export class SymbolTable {
  /** Symbols by index in address order (ties in table order): the chosen alias of a group, once looked up. */
  private readonly chosen = new Map<number, ElfSymbol | null>();

  private constructor(
    private readonly bytes: Bytes,
    private readonly addrs: Float64Array,
    private readonly sizes: Float64Array,
    /** File offset of each name. */
    private readonly nameAt: Float64Array,
    /** Each name's string table, as an index into `strEnds`. */
    private readonly table: Uint8Array,
    private readonly strEnds: number[],
  ) {}

  /** The function symbols of `sections` of types .symtab and .dynsym (or `types`), read through `bytes`. */
  static fromElf(
    bytes: Bytes,
    sections: readonly ElfSection[],
    types: readonly number[] = [SHT_SYMTAB, SHT_DYNSYM],
  ): SymbolTable {
    const tables = sections.filter((s) => types.includes(s.type) && sections[s.link] !== undefined);
    let cap = 0;
    for (const s of tables) cap += Math.floor(Math.max(0, Math.min(s.size, bytes.size - s.offset)) / ENTRY);
    const addrs = new Float64Array(cap);
    const sizes = new Float64Array(cap);
    const nameAt = new Float64Array(cap);
    const table = new Uint8Array(cap);
    const strEnds: number[] = [];
    let n = 0;
    for (const s of tables) {
      if (strEnds.length === 255) break;
      const str = sections[s.link];
      const strEnd = Math.min(bytes.size, str.offset + str.size);
      const t = strEnds.length;
      strEnds.push(strEnd);
      const end = Math.min(bytes.size, s.offset + s.size);
      scratch ??= Buffer.allocUnsafe(CHUNK);
      for (let at = s.offset; at + ENTRY <= end; at += CHUNK) {
        const b = bytes.read(at, Math.min(CHUNK, end - at), scratch);
        for (let o = 0; o + ENTRY <= b.length && n < cap; o += ENTRY) {
          const type = b[o + 4] & 0xf;
          if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
          const name = b.readUInt32LE(o);
          const value = u64(b, o + 8);
          if (value === 0 || name === 0 || str.offset + name >= strEnd) continue;
          addrs[n] = value;
          sizes[n] = u64(b, o + 16);
          nameAt[n] = str.offset + name;
          table[n] = t;
          n++;
        }
      }
    }
    const order = addressOrder(addrs, n);
    const pick = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const out = make(n);
      for (let i = 0; i < n; i++) out[i] = a[order[i]];
      return out;
    };
    const f64 = (k: number) => new Float64Array(k);
    return new SymbolTable(
      bytes,
      pick(addrs, f64),
      pick(sizes, f64),
      pick(nameAt, f64),
      pick(table, (k) => new Uint8Array(k)),
      strEnds,
    );
  }

  get length(): number {
    return this.addrs.length;
  }

  /**
   * The symbol at the greatest address ≤ `vaddr` that has a name (its size not checked):
   * of aliases, a sized one over an unsized, then the shorter name, then the first listed.
   */
  floor(vaddr: number): ElfSymbol | null {
    const a = this.addrs;
    let lo = 0;
    let hi = a.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] <= vaddr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (best >= 0) {
      let first = best;
      while (first > 0 && a[first - 1] === a[best]) first--;
      const s = this.choose(first, best);
      if (s) return s;
      best = first - 1;
    }
    return null;
  }

  /** Every symbol, aliases chosen, in address order (tests). */
  all(): ElfSymbol[] {
    const out: ElfSymbol[] = [];
    for (let i = 0; i < this.addrs.length; ) {
      let last = i;
      while (last + 1 < this.addrs.length && this.addrs[last + 1] === this.addrs[i]) last++;
      const s = this.choose(i, last);
      if (s) out.push(s);
      i = last + 1;
    }
    return out;
  }

  private choose(first: number, last: number): ElfSymbol | null {
    let s = this.chosen.get(first);
    if (s !== undefined) return s;
    s = null;
    for (let i = first; i <= last; i++) {
      const name = this.name(i);
      const size = this.sizes[i];
      if (name === "") continue;
      if (!s || (s.size === 0 && size > 0) || (size === s.size && name.length < s.name.length))
        s = { name, addr: this.addrs[i], size };
    }
    this.chosen.set(first, s);
    return s;
  }

  private name(i: number): string {
    const at = this.nameAt[i];
    const end = this.strEnds[this.table[i]];
    let b = this.bytes.read(at, Math.min(128, end - at));
    let nul = b.indexOf(0);
    if (nul < 0 && b.length < end - at) {
      b = this.bytes.read(at, Math.min(MAX_NAME, end - at));
      nul = b.indexOf(0);
    }
    return b.toString("latin1", 0, nul < 0 ? b.length : nul);
  }
}

/**
 * The indices of addrs[0..n) in address order, ties in index order: sorted natively as
 * address × 2^bits + index when that stays an exact integer, else with a comparator.
 */
function addressOrder(addrs: Float64Array, n: number): Uint32Array {
  let max = 0;
  for (let i = 0; i < n; i++) if (addrs[i] > max) max = addrs[i];
  const bits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const scale = 2 ** bits;
  const order = new Uint32Array(n);
  if (max * scale + scale < 2 ** 53) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = addrs[i] * scale + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i] % scale;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((x, y) => addrs[x] - addrs[y] || x - y);
}

/** The function holding `vaddr` over several tables (a stripped file's and its debug file's; earlier tables win at one address). */
export function functionIn(tables: readonly SymbolTable[], vaddr: number): ElfSymbol | null {
  let best: ElfSymbol | null = null;
  for (const t of tables) {
    const f = t.floor(vaddr);
    if (f && (!best || f.addr > best.addr)) best = f;
  }
  return best && (best.size === 0 || vaddr < best.addr + best.size) ? best : null;
}
