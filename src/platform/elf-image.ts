// A mapped file's symbol image: its function symbols and loadable segments, with the
// symbols of its separate debug file when the file itself is stripped (found by build-id
// under /usr/lib/debug/.build-id/, then by .gnu_debuglink beside it, in .debug/ and under
// /usr/lib/debug). Images are shared by build-id (the same library in two containers is
// read once) and by dev:inode (the caller's key). Only the headers are read when an image
// is made; the symbol tables are scanned into sorted arrays (elf-symtab.ts) and a name is
// read from the file when a frame lands on it (file-bytes.ts keeps the file open).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import {
  type ElfSegment,
  type ElfSymbol,
  elfBuildId,
  elfDebugLink,
  elfLoadSegments,
  elfSections,
  hasSymtab,
  sectionName,
} from "./elf.js";
import { functionIn, SymbolTable } from "./elf-symtab.js";
import { BufferBytes, type Bytes, FileBytes } from "./file-bytes.js";
import { VDSO_PATH, vdsoImage } from "./vdso.js";

export interface Image {
  /** The file's symbol tables, its debug file's first. */
  tables: SymbolTable[];
  segments: ElfSegment[];
  buildId: string | null;
  /** The debug file whose symbols were added, if any. */
  debugFile: string | null;
}

/** The function of an image holding `vaddr` (a virtual address of the file). */
export const imageFunctionAt = (img: Image, vaddr: number): ElfSymbol | null => functionIn(img.tables, vaddr);

/** Files larger than this are not read for symbols (their frames stay module+0xoff). */
const MAX_SYMBOL_FILE = 512 << 20;

/** Files up to this size are read whole; larger ones only where symbols and CFI are (readSparse). */
const SPARSE_FROM = 8 << 20;

/**
 * A file's bytes (null when it cannot be read, is not a regular file, or is over `max`);
 * "[vdso]": the vDSO's image. An ELF file over SPARSE_FROM comes back at its full length but
 * with only the parts symbolization and unwinding read filled in (readSparse): a 100 MB
 * binary's code is never read.
 */
export function readFileBounded(
  path: string,
  max = MAX_SYMBOL_FILE,
  want: SectionWanted | null = null,
): Buffer | null {
  if (path === VDSO_PATH) return vdsoImage();
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return null;
    const range = (b: Buffer, off: number, len: number) => readRange(fd, b, off, len);
    if (want) return readSparse(range, st.size, want);
    if (st.size > SPARSE_FROM) return readSparse(range, st.size, SYMBOLS_AND_CFI);
    const b = Buffer.allocUnsafe(st.size);
    return b.subarray(0, readRange(fd, b, 0, st.size));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Reads [off, off + len) of the file into the same offsets of `b`; the bytes read. */
function readRange(fd: number, b: Buffer, off: number, len: number): number {
  const end = Math.min(b.length, off + len);
  let at = off;
  while (at < end) {
    const n = readSync(fd, b, at, end - at, at);
    if (n <= 0) break;
    at += n;
  }
  return at - off;
}

/** Which sections readSparse fills in, by type and name. */
export type SectionWanted = (type: number, name: string) => boolean;

const NOTE = 7;
/** The sections a symbol table, build-id, debug link, USDT notes and CFI are read from. */
const SYMBOLS_AND_CFI: SectionWanted = (type, name) =>
  type === 2 /* SYMTAB */ ||
  type === 3 /* STRTAB */ ||
  type === NOTE ||
  type === 11 /* DYNSYM */ ||
  name === ".eh_frame" ||
  name === ".eh_frame_hdr" ||
  name === ".gnu_debuglink";
/** What an image's headers need: the build-id note and the debug link (symbols are read later). */
const NOTES_AND_LINK: SectionWanted = (type, name) => type === NOTE || name === ".gnu_debuglink";

/**
 * An ELF file as a zero-filled buffer of its length (pages never written are never
 * backed) with its header, program and section headers, and the `want`ed sections filled
 * in by `range(b, off, len)`. Not ELF64: the header alone (the parsers say "not an ELF file").
 */
function readSparse(
  range: (b: Buffer, off: number, len: number) => number,
  size: number,
  want: SectionWanted,
): Buffer {
  const b = Buffer.alloc(size);
  range(b, 0, 0x40);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return b;
  range(b, Number(b.readBigUInt64LE(0x20)), b.readUInt16LE(0x36) * b.readUInt16LE(0x38));
  range(b, Number(b.readBigUInt64LE(0x28)), b.readUInt16LE(0x3a) * b.readUInt16LE(0x3c));
  const sections = elfSections(b);
  const names = sections[b.readUInt16LE(0x3e)];
  if (names) range(b, names.offset, names.size);
  for (const sec of sections) {
    if (sec.type === 8 /* NOBITS */) continue;
    if (want(sec.type, sectionName(b, sections, sec))) range(b, sec.offset, sec.size);
  }
  return b;
}

/** The headers, notes and debug link of the file behind `bytes`, at their offsets (sparse). */
function readHeaders(bytes: Bytes): Buffer {
  if (bytes instanceof BufferBytes) return bytes.read(0, bytes.size);
  return readSparse(
    (b, off, len) => {
      const end = Math.min(b.length, off + len);
      return off >= end ? 0 : bytes.read(off, end - off, b.subarray(off, end)).length;
    },
    bytes.size,
    NOTES_AND_LINK,
  );
}

/** A file's bytes read when asked ("[vdso]": the vDSO's image); `others`: other paths of the same file. */
function openBytes(path: string, others: readonly string[] = []): Bytes | null {
  if (path === VDSO_PATH) {
    const b = vdsoImage();
    return b ? new BufferBytes(b) : null;
  }
  return FileBytes.open(path, MAX_SYMBOL_FILE, others);
}

/** Where a separate debug file may be, most specific first (gdb's search order). */
export function debugFileCandidates(
  path: string,
  buildId: string | null,
  link: string | null,
  root = "",
): string[] {
  const out: string[] = [];
  if (buildId && buildId.length > 2)
    out.push(`${root}/usr/lib/debug/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`);
  if (link) {
    const dir = dirname(path);
    out.push(`${root}${dir}/${link}`, `${root}${dir}/.debug/${link}`, `${root}/usr/lib/debug${dir}/${link}`);
  }
  return out;
}

export class ImageCache {
  private readonly byFile = new Map<string, Image | null>();
  private readonly byBuildId = new Map<string, Image>();

  /**
   * The image of a mapped file, keyed by `file` (dev:inode); `paths` are tried in order
   * (through the process's root first, so that container files resolve); `root` is where
   * debug files are looked for first.
   */
  get(file: string, paths: readonly string[], root = ""): Image | null {
    let img = this.byFile.get(file);
    if (img !== undefined) return img;
    img = null;
    for (const p of paths) {
      img = this.read(p, root, paths);
      if (img) break;
    }
    this.byFile.set(file, img);
    return img;
  }

  private read(path: string, root: string, others: readonly string[]): Image | null {
    const bytes = openBytes(path, others);
    if (!bytes) return null;
    try {
      const b = readHeaders(bytes);
      const buildId = elfBuildId(b);
      const known = buildId ? this.byBuildId.get(buildId) : undefined;
      if (known) return known;
      const segments = elfLoadSegments(b);
      const tables = [SymbolTable.fromElf(bytes, elfSections(b))];
      let debugFile: string | null = null;
      if (!hasSymtab(b)) {
        const logical = root && path.startsWith(root) ? path.slice(root.length) : path;
        const roots = root ? [root, ""] : [""];
        outer: for (const r of roots) {
          for (const cand of debugFileCandidates(logical, buildId, elfDebugLink(b), r)) {
            const d = openBytes(cand);
            if (!d) continue;
            try {
              const dh = readHeaders(d);
              if (buildId && elfBuildId(dh) !== buildId) {
                if (d instanceof FileBytes) d.close();
                continue; // a debug file of another build
              }
              tables.unshift(SymbolTable.fromElf(d, elfSections(dh)));
              debugFile = cand;
              break outer;
            } catch {
              // not ELF: try the next place
            }
          }
        }
      }
      const img: Image = { tables, segments, buildId, debugFile };
      if (buildId) this.byBuildId.set(buildId, img);
      return img;
    } catch {
      return null; // not ELF, or damaged
    }
  }
}
