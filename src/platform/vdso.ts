// The vDSO: the small ELF image the kernel maps into every process ([vdso] in its maps:
// clock_gettime, gettimeofday, getcpu, time). It has no file to read, but it is the same
// image in every 64-bit process of one kernel, so tsnap reads its own copy once (from
// /proc/self/mem at its own [vdso] mapping) and uses it, as perf does, to name the frames
// and unwind through the .eh_frame of any process's [vdso] mapping.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/** The path Mapping.path holds for the vDSO (what /proc/PID/maps prints). */
export const VDSO_PATH = "[vdso]";
/** Its Mapping.file (there is no device and inode; one image per kernel). */
export const VDSO_FILE = "vdso";

/** The [vdso] range of a maps text, or null. */
export function vdsoRange(mapsText: string): { start: number; end: number } | null {
  const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s+\[vdso\]$/m.exec(mapsText);
  return m ? { start: Number.parseInt(m[1], 16), end: Number.parseInt(m[2], 16) } : null;
}

let cached: Buffer | null | undefined;

/** This process's vDSO image (the kernel's), read once; null where it cannot be read. */
export function vdsoImage(): Buffer | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const r = vdsoRange(readFileSync("/proc/self/maps", "latin1"));
    if (!r || r.end - r.start > 1 << 20) return null;
    const fd = openSync("/proc/self/mem", "r");
    try {
      const b = Buffer.alloc(r.end - r.start);
      if (readSync(fd, b, 0, b.length, r.start) === b.length && b.readUInt32BE(0) === 0x7f454c46) cached = b;
    } finally {
      closeSync(fd);
    }
  } catch {
    cached = null;
  }
  return cached;
}
