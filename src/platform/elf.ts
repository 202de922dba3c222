// A small reader of 64-bit little-endian ELF files (x86_64, aarch64): the loadable
// segments (to turn a file offset into a virtual address), function symbols from .symtab
// and .dynsym, the GNU build-id and .gnu_debuglink (to find a separate debug file), and a
// dynamic symbol's file offset (for uprobes). Pure: takes the bytes. The input is hostile
// (any file a process maps): every offset is checked against the buffer, never trusted.

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;
/** Longest symbol name read (a name without its NUL would otherwise scan the whole file). */
const MAX_NAME = 4096;

export interface ElfSection {
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  /** Offset of the name in the section-name string table. */
  nameOff: number;
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
      nameOff: b.readUInt32LE(o),
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

/** True for a defined function symbol's st_info and value (STT_FUNC, STT_GNU_IFUNC). */
const isFunction = (info: number, value: number) =>
  ((info & 0xf) === STT_FUNC || (info & 0xf) === STT_GNU_IFUNC) && value !== 0;

/** A u64 read as a number (addresses and sizes stay below 2^53); no BigInt per read. */
const u64 = (b: Buffer, o: number) => b.readUInt32LE(o) + b.readUInt32LE(o + 4) * 2 ** 32;

/**
 * Calls `fn` for each symbol of the sections of `types`, until it returns true. `keep`
 * (st_info, st_value) picks the symbols whose names are decoded at all: a symbol table
 * holds ten objects, sections and locals for every function (node's: 300,000 entries).
 */
function eachSymbol(
  b: Buffer,
  sections: ElfSection[],
  types: number[],
  fn: (name: string, value: number, size: number, info: number) => boolean | undefined,
  keep: (info: number, value: number) => boolean = () => true,
): void {
  for (const s of sections) {
    if (!types.includes(s.type)) continue;
    const strtab = sections[s.link];
    if (!strtab) continue;
    const strEnd = Math.min(b.length, strtab.offset + strtab.size);
    for (let o = s.offset; o + 24 <= s.offset + s.size && o + 24 <= b.length; o += 24) {
      const info = b[o + 4];
      const value = u64(b, o + 8);
      if (!keep(info, value)) continue;
      const name = cString(b, strtab.offset + b.readUInt32LE(o), strEnd);
      if (fn(name, value, u64(b, o + 16), info) === true) return;
    }
  }
}

/** The NUL-terminated string at `at`, read no further than `end` (empty when out of bounds). */
function cString(b: Buffer, at: number, end: number): string {
  if (at >= end) return "";
  const stop = Math.min(end, at + MAX_NAME);
  let nul = at;
  while (nul < stop && b[nul] !== 0) nul++;
  return b.toString("latin1", at, nul);
}

/** A section's name (through e_shstrndx). */
export function sectionName(b: Buffer, sections: readonly ElfSection[], s: ElfSection): string {
  const strtab = sections[b.readUInt16LE(0x3e)];
  if (!strtab) return "";
  return cString(b, strtab.offset + s.nameOff, Math.min(b.length, strtab.offset + strtab.size));
}

/** True when the file has a .symtab with entries (not stripped). */
export function hasSymtab(b: Buffer): boolean {
  return elfSections(b).some((s) => s.type === SHT_SYMTAB && s.size >= 48 && s.offset < b.length);
}

/** The GNU build-id as lowercase hex, or null. */
export function elfBuildId(b: Buffer): string | null {
  for (const s of elfSections(b)) {
    if (s.type !== SHT_NOTE) continue;
    const end = Math.min(b.length, s.offset + s.size);
    for (let o = s.offset; o + 12 <= end; ) {
      const namesz = b.readUInt32LE(o);
      const descsz = b.readUInt32LE(o + 4);
      const type = b.readUInt32LE(o + 8);
      const desc = o + 12 + align4(namesz);
      if (desc + descsz > end) break;
      if (
        type === NT_GNU_BUILD_ID &&
        namesz === 4 &&
        b.toString("latin1", o + 12, o + 15) === "GNU" &&
        descsz > 0
      )
        return b.toString("hex", desc, desc + Math.min(descsz, 64));
      o = desc + align4(descsz);
    }
  }
  return null;
}

const align4 = (n: number) => (n + 3) & ~3;

/** The file name in .gnu_debuglink (the separate debug file's name), or null. */
export function elfDebugLink(b: Buffer): string | null {
  const sections = elfSections(b);
  for (const s of sections) {
    if (sectionName(b, sections, s) !== ".gnu_debuglink") continue;
    const name = cString(b, s.offset, Math.min(b.length, s.offset + s.size));
    return name !== "" && !name.includes("/") ? name : null;
  }
  return null;
}

/** Function symbols of .symtab and .dynsym, sorted by address, without duplicates. */
export function elfFunctions(b: Buffer): ElfSymbol[] {
  const sections = elfSections(b);
  const byAddr = new Map<number, ElfSymbol>();
  eachSymbol(
    b,
    sections,
    [SHT_SYMTAB, SHT_DYNSYM],
    (name, value, size) => {
      if (name === "") return undefined;
      const had = byAddr.get(value);
      // Prefer the sized, shorter (public) name for an address: clock_nanosleep over __GI_...
      if (!had || (had.size === 0 && size > 0) || (size === had.size && name.length < had.name.length))
        byAddr.set(value, { name, addr: value, size });
      return undefined;
    },
    isFunction,
  );
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

/** Every function symbol of .symtab and .dynsym (aliases kept: malloc and __libc_malloc), unsorted. */
export function elfFunctionSymbols(b: Buffer): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  eachSymbol(
    b,
    elfSections(b),
    [SHT_SYMTAB, SHT_DYNSYM],
    (name, value, size) => {
      if (name !== "") out.push({ name, addr: value, size });
      return undefined;
    },
    isFunction,
  );
  return out;
}

/** Virtual address → file offset through the loadable segment that holds it (what a uprobe takes). */
export function vaddrToFileOffset(segments: readonly ElfSegment[], vaddr: number): number | null {
  for (const s of segments)
    if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset;
  return null;
}

/** One USDT probe of a `.note.stapsdt` note (systemtap's <sys/sdt.h>). */
export interface UsdtNote {
  provider: string;
  name: string;
  /** The probe's address (a virtual address of the file, .stapsdt.base adjusted). */
  pc: number;
  /** The semaphore's virtual address, 0 when the probe has none. */
  semaphore: number;
  /** The arguments' locations as the note says them ("-4@%edi 8@-16(%rbp)"). */
  args: string;
}

const NT_STAPSDT = 3;

/**
 * The USDT probes of a file: its `.note.stapsdt` notes, with addresses moved by the
 * difference between `.stapsdt.base`'s address and the one the note recorded (prelink or
 * a linker moving the section), as systemtap and libbpf do.
 */
export function elfUsdtNotes(b: Buffer): UsdtNote[] {
  const sections = elfSections(b);
  const base = sections.find((s) => sectionName(b, sections, s) === ".stapsdt.base");
  const out: UsdtNote[] = [];
  for (const s of sections) {
    if (s.type !== SHT_NOTE || sectionName(b, sections, s) !== ".note.stapsdt") continue;
    const end = Math.min(b.length, s.offset + s.size);
    for (let o = s.offset; o + 12 <= end; ) {
      const namesz = b.readUInt32LE(o);
      const descsz = b.readUInt32LE(o + 4);
      const type = b.readUInt32LE(o + 8);
      const desc = o + 12 + align4(namesz);
      if (desc + descsz > end || desc < o) break;
      if (
        type === NT_STAPSDT &&
        b.toString("latin1", o + 12, o + 12 + Math.min(namesz, 7)) === "stapsdt" &&
        descsz >= 24
      ) {
        let pc = Number(b.readBigUInt64LE(desc));
        const noteBase = Number(b.readBigUInt64LE(desc + 8));
        let semaphore = Number(b.readBigUInt64LE(desc + 16));
        if (base && noteBase !== 0) {
          const shift = base.addr - noteBase;
          pc += shift;
          if (semaphore !== 0) semaphore += shift;
        }
        const strEnd = desc + descsz;
        const provider = cString(b, desc + 24, strEnd);
        const name = cString(b, desc + 24 + provider.length + 1, strEnd);
        const args = cString(b, desc + 24 + provider.length + name.length + 2, strEnd);
        if (provider !== "" && name !== "") out.push({ provider, name, pc, semaphore, args });
      }
      o = desc + align4(descsz);
    }
  }
  return out;
}
