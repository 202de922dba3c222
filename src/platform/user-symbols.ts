// User stack frames to names: each process's executable mappings are read from
// /proc/PID/maps when the process is first seen (so frames of a process that has exited
// since still resolve), and each mapped file's function symbols (.symtab, .dynsym) once
// per file. A frame prints as DTrace's `module`symbol+0xoff`, or `module+0xoff` (file
// offset) without a symbol, or the bare address outside any file mapping. No unwinding,
// no DWARF, no debuginfod: a later issue's work.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import {
  type ElfSegment,
  type ElfSymbol,
  elfFunctions,
  elfLoadSegments,
  fileOffsetToVaddr,
  functionAt,
} from "./elf.js";

export interface Mapping {
  start: number;
  end: number;
  /** File offset of `start`. */
  offset: number;
  path: string;
  /** "dev:inode": the file's identity, the same across processes and containers. */
  file: string;
}

/** Executable file mappings of a /proc/PID/maps text ("start-end perms offset dev inode path"). */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S\Sx\S) ([0-9a-f]+) (\S+) (\d+)\s+(\/.*)$/.exec(line);
    if (!m || m[6] === "0") continue;
    out.push({
      start: Number.parseInt(m[1], 16),
      end: Number.parseInt(m[2], 16),
      offset: Number.parseInt(m[4], 16),
      path: m[7],
      file: `${m[5]}:${m[6]}`,
    });
  }
  return out;
}

interface Image {
  funcs: ElfSymbol[];
  segments: ElfSegment[];
}

/** Files larger than this are not read for symbols (their frames stay module+0xoff). */
const MAX_SYMBOL_FILE = 256 << 20;
/** Processes whose mappings are kept; the oldest are forgotten beyond this. */
const MAX_PROCESSES = 4096;

export class UserSymbolizer {
  private readonly maps = new Map<number, Mapping[]>();
  private readonly images = new Map<string, Image | null>();

  /** Reads the process's mappings the first time it is seen (cheap afterwards). */
  see(tgid: number): void {
    if (this.maps.has(tgid)) return;
    this.load(tgid);
  }

  /** Frames (leaf first) of the process, named as well as the files allow. */
  frames(tgid: number, addrs: readonly bigint[]): string[] {
    this.see(tgid);
    return addrs.map((a) => this.frame(tgid, Number(a)));
  }

  private load(tgid: number): Mapping[] {
    let maps: Mapping[] = [];
    try {
      maps = parseMaps(readFileSync(`/proc/${tgid}/maps`, "latin1"));
    } catch {
      // gone or not ours: frames stay addresses
    }
    if (this.maps.size >= MAX_PROCESSES) this.maps.delete(this.maps.keys().next().value as number);
    this.maps.set(tgid, maps);
    return maps;
  }

  private frame(tgid: number, addr: number): string {
    const find = (maps: Mapping[]) => maps.find((m) => addr >= m.start && addr < m.end);
    // A library mapped after we first read the maps (dlopen): read them once more.
    const m = find(this.maps.get(tgid) ?? []) ?? find(this.load(tgid));
    if (!m) return `0x${addr.toString(16)}`;
    const module = m.path.slice(m.path.lastIndexOf("/") + 1);
    const fileOff = addr - m.start + m.offset;
    const img = this.image(tgid, m);
    const vaddr = img ? fileOffsetToVaddr(img.segments, fileOff) : null;
    const f = img && vaddr !== null ? functionAt(img.funcs, vaddr) : null;
    if (f && vaddr !== null) return `${module}\`${f.name}+0x${(vaddr - f.addr).toString(16)}`;
    return `${module}+0x${fileOff.toString(16)}`;
  }

  private image(tgid: number, m: Mapping): Image | null {
    let img = this.images.get(m.file);
    if (img !== undefined) return img;
    // Through the process's root, so that files of containers resolve too.
    img = readImage(`/proc/${tgid}/root${m.path}`) ?? readImage(m.path);
    this.images.set(m.file, img);
    return img;
  }
}

function readImage(file: string): Image | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_SYMBOL_FILE) return null;
    const b = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, b, got, size - got, got);
      if (n <= 0) break;
      got += n;
    }
    return { funcs: elfFunctions(b.subarray(0, got)), segments: elfLoadSegments(b.subarray(0, got)) };
  } catch {
    return null; // not ELF, or damaged
  } finally {
    closeSync(fd);
  }
}
