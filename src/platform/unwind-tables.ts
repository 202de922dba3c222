// The call frame information of mapped files, read once per file (by dev:inode, as the
// symbol images of elf-image.ts) and kept as the two sections only, and a process's row
// lookup for the unwinder: a process address → its mapping → the file's virtual address
// → the row of that file's .eh_frame in effect there (dwarf-unwind.ts).
import { type CfiRow, CfiTable } from "./eh-frame.js";
import { type ElfSegment, elfLoadSegments, elfSections, fileOffsetToVaddr, sectionName } from "./elf.js";
import { readFileBounded } from "./elf-image.js";
import type { Mapping } from "./user-symbols.js";

export interface UnwindImage {
  cfi: CfiTable;
  segments: ElfSegment[];
}

/** .eh_frame and .eh_frame_hdr of an ELF file's bytes, and its loadable segments; null without .eh_frame. */
export function unwindImage(b: Buffer): UnwindImage | null {
  const sections = elfSections(b);
  let eh: { buf: Buffer; addr: number } | null = null;
  let hdr: { buf: Buffer; addr: number } | null = null;
  for (const s of sections) {
    const name = sectionName(b, sections, s);
    if (name !== ".eh_frame" && name !== ".eh_frame_hdr") continue;
    if (s.type === 8 || s.offset + s.size > b.length) continue; // NOBITS (a debug file) or cut short
    const v = { buf: Buffer.from(b.subarray(s.offset, s.offset + s.size)), addr: s.addr };
    if (name === ".eh_frame") eh = v;
    else hdr = v;
  }
  if (!eh) return null;
  return {
    cfi: new CfiTable({
      ehFrame: eh.buf,
      ehFrameAddr: eh.addr,
      hdr: hdr?.buf ?? null,
      hdrAddr: hdr?.addr ?? 0,
    }),
    segments: elfLoadSegments(b),
  };
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
      const b = readFileBounded(p);
      if (!b) continue;
      try {
        img = unwindImage(b);
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
      return vaddr === null ? null : img.cfi.rowAt(vaddr);
    };
  }
}
