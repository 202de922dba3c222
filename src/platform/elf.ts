// A small reader of 64-bit little-endian ELF files (x86_64, aarch64): the loadable
// segments (to turn a file offset into a virtual address), function symbols from .symtab
// and .dynsym, and a dynamic symbol's file offset (for uprobes). Pure: takes the bytes.

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

export interface ElfSection {
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
}

export interface ElfSegment {
  offset: number;
  vaddr: number;
  filesz: number;
}

export interface ElfSymbol {
  name: string;
  addr: number;
  size: number;
}

export class ElfError extends Error {
  override name = "ElfError";
}

/** Section headers; throws ElfError for what is not a 64-bit little-endian ELF file. */
export function elfSections(b: Buffer): ElfSection[] {
  if (b.length < 0x40 || b.readUInt32BE(0) !== 0x7f454c46) throw new ElfError("not an ELF file");
  if (b[4] !== 2 || b[5] !== 1) throw new ElfError("not a 64-bit little-endian ELF file");
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const out: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    if (o + 0x40 > b.length) break;
    out.push({
      type: b.readUInt32LE(o + 4),
      addr: Number(b.readBigUInt64LE(o + 0x10)),
      offset: Number(b.readBigUInt64LE(o + 0x18)),
      size: Number(b.readBigUInt64LE(o + 0x20)),
      link: b.readUInt32LE(o + 0x28),
    });
  }
  return out;
}

/** PT_LOAD program headers. */
export function elfLoadSegments(b: Buffer): ElfSegment[] {
  elfSections(b); // validates the header
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  const out: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 0x38 > b.length) break;
    if (b.readUInt32LE(o) !== PT_LOAD) continue;
    out.push({
      offset: Number(b.readBigUInt64LE(o + 8)),
      vaddr: Number(b.readBigUInt64LE(o + 0x10)),
      filesz: Number(b.readBigUInt64LE(o + 0x20)),
    });
  }
  return out;
}

function eachSymbol(
  b: Buffer,
  sections: ElfSection[],
  types: number[],
  fn: (name: string, value: number, size: number, info: number) => boolean | undefined,
): void {
  for (const s of sections) {
    if (!types.includes(s.type)) continue;
    const strtab = sections[s.link];
    if (!strtab) continue;
    for (let o = s.offset; o + 24 <= s.offset + s.size && o + 24 <= b.length; o += 24) {
      const nameOff = strtab.offset + b.readUInt32LE(o);
      const end = b.indexOf(0, nameOff);
      const name = b.toString("latin1", nameOff, end < 0 ? nameOff : end);
      if (fn(name, Number(b.readBigUInt64LE(o + 8)), Number(b.readBigUInt64LE(o + 16)), b[o + 4]) === true)
        return;
    }
  }
}

/** Function symbols of .symtab and .dynsym, sorted by address, without duplicates. */
export function elfFunctions(b: Buffer): ElfSymbol[] {
  const sections = elfSections(b);
  const byAddr = new Map<number, ElfSymbol>();
  eachSymbol(b, sections, [SHT_SYMTAB, SHT_DYNSYM], (name, value, size, info) => {
    const type = info & 0xf;
    if ((type === STT_FUNC || type === STT_GNU_IFUNC) && value !== 0 && name !== "") {
      const had = byAddr.get(value);
      // Prefer the sized, shorter (public) name for an address: clock_nanosleep over __GI_...
      if (!had || (had.size === 0 && size > 0) || (size === had.size && name.length < had.name.length))
        byAddr.set(value, { name, addr: value, size });
    }
    return undefined;
  });
  return [...byAddr.values()].sort((x, y) => x.addr - y.addr);
}

/** The function containing `vaddr` (by size, or the nearest below when sizes are 0). */
export function functionAt(funcs: readonly ElfSymbol[], vaddr: number): ElfSymbol | null {
  let lo = 0;
  let hi = funcs.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (funcs[mid].addr <= vaddr) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return null;
  const f = funcs[best];
  return f.size === 0 || vaddr < f.addr + f.size ? f : null;
}

/** File offset → virtual address through the loadable segment that holds it. */
export function fileOffsetToVaddr(segments: readonly ElfSegment[], offset: number): number | null {
  for (const s of segments)
    if (offset >= s.offset && offset < s.offset + s.filesz) return offset - s.offset + s.vaddr;
  return null;
}

/** File offset of a dynamic symbol (what a uprobe attaches to); throws when absent. */
export function dynamicSymbolOffset(b: Buffer, name: string): number {
  const sections = elfSections(b);
  let found: number | null = null;
  eachSymbol(b, sections, [SHT_DYNSYM], (n, value) => {
    if (n !== name) return undefined;
    found = value;
    return true;
  });
  if (found === null) throw new ElfError(`${name} not found`);
  const value: number = found;
  // Virtual address → file offset through the section that holds it.
  for (const t of sections)
    if (t.addr !== 0 && value >= t.addr && value < t.addr + t.size) return value - t.addr + t.offset;
  return value;
}
