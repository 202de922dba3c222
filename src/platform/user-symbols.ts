// User stack frames to names: each process's executable mappings are read from
// /proc/PID/maps when the process is first seen (so frames of a process that has exited
// since still resolve), and each mapped file's function symbols (.symtab, .dynsym, or its
// separate debug file's) once per file (elf-image.ts), shared across processes by inode
// and build-id. Frames in anonymous memory are looked up in the process's JIT map
// (/tmp/perf-PID.map). Two spellings: DTrace's `module`symbol+0xoff` (frames()), and
// bcc's bare function name or `[unknown] (module)` (names(): profile, offcputime).
// C++ and Rust names are demangled (demangle.ts). No debuginfod. mappingAt() hands the
// unwinder (unwind-tables.ts) the mapping of an address.
import { readFileSync } from "node:fs";
import { demangle } from "./demangle.js";
import { fileOffsetToVaddr, functionAt } from "./elf.js";
import { type Image, ImageCache, imageFunctionAt } from "./elf-image.js";
import { type PerfMap, readPerfMap } from "./perf-map.js";
import { VDSO_FILE, VDSO_PATH } from "./vdso.js";

export interface Mapping {
  start: number;
  end: number;
  /** File offset of `start`. */
  offset: number;
  path: string;
  /** "dev:inode": the file's identity, the same across processes and containers. */
  file: string;
}

/**
 * Executable file mappings of a /proc/PID/maps text ("start-end perms offset dev inode path"),
 * and the [vdso] (read from tsnap's own copy: vdso.ts).
 */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S\Sx\S) ([0-9a-f]+) (\S+) (\d+)\s+(\/.*|\[vdso\])$/.exec(line);
    if (!m) continue;
    const vdso = m[7] === VDSO_PATH;
    if (!vdso && m[6] === "0") continue;
    out.push({
      start: Number.parseInt(m[1], 16),
      end: Number.parseInt(m[2], 16),
      offset: Number.parseInt(m[4], 16),
      path: m[7],
      file: vdso ? VDSO_FILE : `${m[5]}:${m[6]}`,
    });
  }
  return out;
}

/** Processes whose mappings are kept; the oldest are forgotten beyond this. */
const MAX_PROCESSES = 4096;
/**
 * A process's maps and JIT map are read again for an address they do not cover (dlopen,
 * new JIT code) at most this often: a process's frames in anonymous memory (a JIT without
 * a perf map, a process gone) would otherwise read them once per frame.
 */
const REREAD_MS = 1000;

/** A frame resolved: `name` null when no symbol covers it; `module` null outside file mappings. */
export interface Resolved {
  module: string | null;
  name: string | null;
  /** Offset in the function, or the file offset in the module when `name` is null. */
  off: number;
}

export class UserSymbolizer {
  private readonly maps = new Map<number, Mapping[]>();
  private readonly perfMaps = new Map<number, PerfMap | null>();
  /** When each process's maps and JIT map were last read (ms). */
  private readonly mapsReadAt = new Map<number, number>();
  private readonly perfMapReadAt = new Map<number, number>();
  private readonly images: ImageCache;

  /** `images` may be shared by several symbolizers (a long-running capture and a command). */
  constructor(images = new ImageCache()) {
    this.images = images;
  }

  /** Reads the process's mappings the first time it is seen (cheap afterwards). */
  see(tgid: number): void {
    if (this.maps.has(tgid)) return;
    this.load(tgid);
  }

  /** Frames (leaf first) of the process as `module`symbol+0xoff`, module+0xoff or 0xaddr. */
  frames(tgid: number, addrs: readonly bigint[]): string[] {
    this.see(tgid);
    return addrs.map((a) => {
      const addr = Number(a);
      const r = this.resolve(tgid, addr);
      if (r.module === null)
        return r.name === null ? `0x${addr.toString(16)}` : `${r.name}+0x${r.off.toString(16)}`;
      if (r.name === null) return `${r.module}+0x${r.off.toString(16)}`;
      return `${r.module}\`${r.name}+0x${r.off.toString(16)}`;
    });
  }

  /** One frame as bcc prints it: the function name, else `[unknown] (module)`, else `[unknown]`. */
  name(tgid: number, addr: number): string {
    const r = this.resolve(tgid, addr);
    if (r.name !== null) return r.name;
    return r.module === null ? "[unknown]" : `[unknown] (${r.module})`;
  }

  resolve(tgid: number, addr: number): Resolved {
    this.see(tgid);
    // A library mapped after we first read the maps (dlopen): read them once more.
    const m = findMapping(this.maps.get(tgid) ?? [], addr) ?? this.reloadFor(tgid, addr);
    if (!m) return this.jit(tgid, addr);
    const module = m.path.slice(m.path.lastIndexOf("/") + 1);
    const fileOff = addr - m.start + m.offset;
    const img = this.image(tgid, m);
    const vaddr = img ? fileOffsetToVaddr(img.segments, fileOff) : null;
    const f = img && vaddr !== null ? imageFunctionAt(img, vaddr) : null;
    if (f && vaddr !== null) return { module, name: demangle(f.name), off: vaddr - f.addr };
    return { module, name: null, off: fileOff };
  }

  /** The executable file mapping holding `addr`, and the paths its file is read by (unwinding). */
  mappingAt(tgid: number, addr: number): { m: Mapping; paths: string[] } | null {
    this.see(tgid);
    const m = findMapping(this.maps.get(tgid) ?? [], addr) ?? this.reloadFor(tgid, addr);
    if (!m) return null;
    return { m, paths: m.file === VDSO_FILE ? [VDSO_PATH] : [`/proc/${tgid}/root${m.path}`, m.path] };
  }

  private reloadFor(tgid: number, addr: number): Mapping | undefined {
    if (Date.now() - (this.mapsReadAt.get(tgid) ?? 0) < REREAD_MS) return undefined;
    const maps = this.load(tgid);
    return findMapping(maps, addr);
  }

  private jit(tgid: number, addr: number): Resolved {
    let pm = this.perfMaps.get(tgid);
    let f = pm ? functionAt(pm.funcs, addr) : null;
    if (!f && (pm === undefined || Date.now() - (this.perfMapReadAt.get(tgid) ?? 0) >= REREAD_MS)) {
      // Not read yet, or the JIT wrote more since: read the map again (when it grew).
      this.perfMapReadAt.set(tgid, Date.now());
      const again = readPerfMap(tgid, pm);
      if (again !== pm || pm === undefined) {
        pm = again;
        this.perfMaps.set(tgid, pm);
        f = pm ? functionAt(pm.funcs, addr) : null;
      }
    }
    if (f) return { module: null, name: demangle(f.name), off: addr - f.addr };
    return { module: null, name: null, off: addr };
  }

  private load(tgid: number): Mapping[] {
    this.mapsReadAt.set(tgid, Date.now());
    let maps: Mapping[] = [];
    try {
      maps = parseMaps(readFileSync(`/proc/${tgid}/maps`, "latin1"));
    } catch {
      if (this.maps.has(tgid)) return this.maps.get(tgid) ?? []; // gone: keep what we had
    }
    if (!this.maps.has(tgid) && this.maps.size >= MAX_PROCESSES) {
      const oldest = this.maps.keys().next().value as number;
      this.maps.delete(oldest);
      this.perfMaps.delete(oldest);
      this.mapsReadAt.delete(oldest);
      this.perfMapReadAt.delete(oldest);
    }
    this.maps.set(tgid, maps);
    return maps;
  }

  private image(tgid: number, m: Mapping): Image | null {
    // Through the process's root, so that files of containers resolve too.
    if (m.file === VDSO_FILE) return this.images.get(m.file, [VDSO_PATH]);
    const root = `/proc/${tgid}/root`;
    return this.images.get(m.file, [`${root}${m.path}`, m.path], root);
  }
}

function findMapping(maps: readonly Mapping[], addr: number): Mapping | undefined {
  for (const m of maps) if (addr >= m.start && addr < m.end) return m;
  return undefined;
}
