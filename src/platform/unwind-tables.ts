// The call frame information of mapped files, read once per file (by dev:inode, as the
// symbol images of elf-image.ts) and kept as the CFI sections only, and a process's row
// lookup for the unwinder: a process address → its mapping → the file's virtual address
// → the row in effect there (dwarf-unwind.ts): from the file's .eh_frame, else its
// .debug_frame (code built without unwind tables but with -g), else the .debug_frame of
// its separate debug file (by build-id or .gnu_debuglink, elf-image.ts's search), read
// the first time an address misses the file's own tables.
import { type CfiRow, CfiTable } from "./eh-frame.js";
import {
  type ElfSegment,
  elfBuildId,
  elfDebugLink,
  elfLoadSegments,
  elfSections,
  fileOffsetToVaddr,
  sectionName,
} from "./elf.js";
import { debugFileCandidates, readFileBounded, type SectionWanted } from "./elf-image.js";
import type { Mapping } from "./user-symbols.js";

export interface UnwindImage {
  /** .eh_frame's table (null when the file has none). */
  cfi: CfiTable | null;
  /** .debug_frame's table: the file's own, or (once looked for, `undefined` before) its debug file's. */
  debug: CfiTable | null | undefined;
  segments: ElfSegment[];
  /** Where the debug file is looked for when .debug_frame is needed and absent (null: nowhere). */
  debugSearch: { path: string; buildId: string | null; link: string | null } | null;
}

/** What unwinding reads of a file: the CFI sections, and what finds its debug file. */
const CFI_SECTIONS: SectionWanted = (type, name) =>
  name === ".eh_frame" ||
  name === ".eh_frame_hdr" ||
  name === ".debug_frame" ||
  name === ".gnu_debuglink" ||
  type === 7; /* NOTE: the build-id */

/** A section's bytes (copied) and address, or null when absent, NOBITS or cut short. */
function section(b: Buffer, name: string): { buf: Buffer; addr: number } | null {
  const sections = elfSections(b);
  for (const s of sections) {
    if (s.type === 8 || s.offset + s.size > b.length || s.size === 0) continue;
    if (sectionName(b, sections, s) === name)
      return { buf: Buffer.from(b.subarray(s.offset, s.offset + s.size)), addr: s.addr };
  }
  return null;
}

/** The .debug_frame table of an ELF file's bytes, or null. */
export function debugFrameTable(b: Buffer): CfiTable | null {
  const d = section(b, ".debug_frame");
  return d ? new CfiTable({ ehFrame: d.buf, ehFrameAddr: 0, hdr: null, hdrAddr: 0, debugFrame: true }) : null;
}

/**
 * .eh_frame (with .eh_frame_hdr) and .debug_frame of an ELF file's bytes, and its loadable
 * segments; null with neither. `path` (the file's path) lets a missing .debug_frame be looked
 * for in its debug file.
 */
export function unwindImage(b: Buffer, path: string | null = null): UnwindImage | null {
  const eh = section(b, ".eh_frame");
  const hdr = section(b, ".eh_frame_hdr");
  const cfi = eh
    ? new CfiTable({ ehFrame: eh.buf, ehFrameAddr: eh.addr, hdr: hdr?.buf ?? null, hdrAddr: hdr?.addr ?? 0 })
    : null;
  const debug = debugFrameTable(b);
  const buildId = elfBuildId(b);
  const link = elfDebugLink(b);
  const debugSearch = !debug && path !== null && (buildId || link) ? { path, buildId, link } : null;
  if (!cfi && !debug && !debugSearch) return null;
  return { cfi, debug: debug ?? (debugSearch ? undefined : null), segments: elfLoadSegments(b), debugSearch };
}

/** The .debug_frame of the file's separate debug file (the first candidate that has the build-id), or null. */
function debugFileFrame(s: NonNullable<UnwindImage["debugSearch"]>): CfiTable | null {
  const root = /^\/proc\/\d+\/root(?=\/)/.exec(s.path)?.[0] ?? "";
  const logical = s.path.slice(root.length);
  for (const r of root ? [root, ""] : [""])
    for (const cand of debugFileCandidates(logical, s.buildId, s.link, r)) {
      const d = readFileBounded(cand, undefined, CFI_SECTIONS);
      if (!d) continue;
      try {
        if (s.buildId && elfBuildId(d) !== s.buildId) continue; // a debug file of another build
        return debugFrameTable(d);
      } catch {
        // not ELF: try the next place
      }
    }
  return null;
}

/** The row at `vaddr` (a virtual address of the file): .eh_frame's, else .debug_frame's. */
export function rowAt(img: UnwindImage, vaddr: number): CfiRow | null {
  const row = img.cfi?.rowAt(vaddr) ?? null;
  if (row) return row;
  if (img.debug === undefined) img.debug = img.debugSearch ? debugFileFrame(img.debugSearch) : null;
  return img.debug?.rowAt(vaddr) ?? null;
}

export class UnwindTables {
  private readonly byFile = new Map<string, UnwindImage | null>();
  /** "tgid:page" of addresses in no file mapping (vdso, JIT, anonymous) → when last missed. */
  private readonly missed = new Map<string, number>();

  /** The image of a mapped file (`file` is dev:inode), from the first path that reads. */
  get(file: string, paths: readonly string[]): UnwindImage | null {
    let img = this.byFile.get(file);
    if (img !== undefined) return img;
    img = null;
    for (const p of paths) {
      const b = readFileBounded(p, undefined, CFI_SECTIONS);
      if (!b) continue;
      try {
        img = unwindImage(b, p);
      } catch {
        img = null; // not ELF, or damaged
      }
      break;
    }
    this.byFile.set(file, img);
    return img;
  }

  /**
   * The row lookup of process `tgid`, through `mappingAt` (its mappings, read at first sight;
   * a miss reads them again, so a page that missed is not asked again for a second).
   */
  lookup(
    tgid: number,
    mappingAt: (addr: number) => { m: Mapping; paths: string[] } | null,
    now = Date.now(),
  ): (pc: number) => CfiRow | null {
    return (pc) => {
      const page = `${tgid}:${Math.floor(pc / 4096)}`;
      const when = this.missed.get(page);
      if (when !== undefined && now - when < 1000) return null;
      const hit = mappingAt(pc);
      if (!hit) {
        if (this.missed.size >= 10_000) this.missed.clear();
        this.missed.set(page, now);
        return null;
      }
      const img = this.get(hit.m.file, hit.paths);
      if (!img) return null;
      const vaddr = fileOffsetToVaddr(img.segments, pc - hit.m.start + hit.m.offset);
      return vaddr === null ? null : rowAt(img, vaddr);
    };
  }
}
