// A mapped file's symbol image: its function symbols and loadable segments, with the
// symbols of its separate debug file when the file itself is stripped (found by build-id
// under /usr/lib/debug/.build-id/, then by .gnu_debuglink beside it, in .debug/ and under
// /usr/lib/debug). Images are shared by build-id (the same library in two containers is
// read once) and by dev:inode (the caller's key).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import {
  type ElfSegment,
  type ElfSymbol,
  elfBuildId,
  elfDebugLink,
  elfFunctions,
  elfLoadSegments,
  elfSections,
  hasSymtab,
  sectionName,
} from "./elf.js";
import { VDSO_PATH, vdsoImage } from "./vdso.js";

export interface Image {
  funcs: ElfSymbol[];
  segments: ElfSegment[];
  buildId: string | null;
  /** The debug file whose symbols were added, if any. */
  debugFile: string | null;
}

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
export function readFileBounded(path: string, max = MAX_SYMBOL_FILE): Buffer | null {
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
    if (st.size > SPARSE_FROM) return readSparse(fd, st.size);
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

/** The sections a symbol table, build-id, debug link, USDT notes and CFI are read from. */
const SPARSE_TYPES = new Set([2 /* SYMTAB */, 3 /* STRTAB */, 7 /* NOTE */, 11 /* DYNSYM */]);
const SPARSE_NAMES = new Set([".eh_frame", ".eh_frame_hdr", ".gnu_debuglink"]);

/**
 * A large ELF file as a zero-filled buffer of its length (pages never written are never
 * backed) with its header, program and section headers, and the sections above filled in.
 * Not ELF64: the header alone (the parsers say "not an ELF file").
 */
function readSparse(fd: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  readRange(fd, b, 0, 0x40);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return b;
  readRange(fd, b, Number(b.readBigUInt64LE(0x20)), b.readUInt16LE(0x36) * b.readUInt16LE(0x38));
  readRange(fd, b, Number(b.readBigUInt64LE(0x28)), b.readUInt16LE(0x3a) * b.readUInt16LE(0x3c));
  const sections = elfSections(b);
  const names = sections[b.readUInt16LE(0x3e)];
  if (names) readRange(fd, b, names.offset, names.size);
  for (const sec of sections) {
    if (sec.type === 8 /* NOBITS */) continue;
    if (SPARSE_TYPES.has(sec.type) || SPARSE_NAMES.has(sectionName(b, sections, sec)))
      readRange(fd, b, sec.offset, sec.size);
  }
  return b;
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

/** Merges two sorted symbol lists; at one address the first list's symbol is kept. */
function mergeFunctions(a: ElfSymbol[], b: ElfSymbol[]): ElfSymbol[] {
  const byAddr = new Map<number, ElfSymbol>();
  for (const s of b) byAddr.set(s.addr, s);
  for (const s of a) byAddr.set(s.addr, s);
  return [...byAddr.values()].sort((x, y) => x.addr - y.addr);
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
      img = this.read(p, root);
      if (img) break;
    }
    this.byFile.set(file, img);
    return img;
  }

  private read(path: string, root: string): Image | null {
    const b = readFileBounded(path);
    if (!b) return null;
    try {
      const buildId = elfBuildId(b);
      const known = buildId ? this.byBuildId.get(buildId) : undefined;
      if (known) return known;
      const segments = elfLoadSegments(b);
      let funcs = elfFunctions(b);
      let debugFile: string | null = null;
      if (!hasSymtab(b)) {
        const logical = root && path.startsWith(root) ? path.slice(root.length) : path;
        const roots = root ? [root, ""] : [""];
        outer: for (const r of roots) {
          for (const cand of debugFileCandidates(logical, buildId, elfDebugLink(b), r)) {
            const d = readFileBounded(cand);
            if (!d) continue;
            try {
              if (buildId && elfBuildId(d) !== buildId) continue; // a debug file of another build
              funcs = mergeFunctions(elfFunctions(d), funcs);
              debugFile = cand;
              break outer;
            } catch {
              // not ELF: try the next place
            }
          }
        }
      }
      const img: Image = { funcs, segments, buildId, debugFile };
      if (buildId) this.byBuildId.set(buildId, img);
      return img;
    } catch {
      return null; // not ELF, or damaged
    }
  }
}
