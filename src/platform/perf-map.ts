// JIT symbol maps (/tmp/perf-PID.map), the format perf reads: one "START SIZE name" line per
// compiled function, hex without or with 0x (written by `node --perf-basic-prof`, JVM
// agents, `python -X perf`). The parser is pure; the reader re-reads a map that grew.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ElfSymbol } from "./elf.js";

/** Functions of a perf map text, sorted by address; malformed lines are skipped. */
export function parsePerfMap(text: string): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  for (const line of text.split("\n")) {
    const m = /^(?:0x)?([0-9a-fA-F]{1,16}) (?:0x)?([0-9a-fA-F]{1,16}) (.+)$/.exec(line);
    if (!m) continue;
    const addr = Number.parseInt(m[1], 16);
    const size = Number.parseInt(m[2], 16);
    if (size > 0) out.push({ addr, size, name: m[3].trimEnd() });
  }
  // Stable: of two entries at one address (code moved and reused), the later line wins.
  out.sort((a, b) => a.addr - b.addr);
  const dedup: ElfSymbol[] = [];
  for (const s of out) {
    if (dedup.length > 0 && dedup[dedup.length - 1].addr === s.addr) dedup[dedup.length - 1] = s;
    else dedup.push(s);
  }
  return dedup;
}

/** Largest perf map read (a runaway JIT writing forever). */
const MAX_PERF_MAP = 64 << 20;

export interface PerfMap {
  funcs: ElfSymbol[];
  /** Bytes read: the map is read again when the file grew. */
  size: number;
}

/** The perf map of `tgid` (through its root, then /tmp), or null when there is none. */
export function readPerfMap(tgid: number, had?: PerfMap | null): PerfMap | null {
  for (const path of [`/proc/${tgid}/root/tmp/perf-${tgid}.map`, `/tmp/perf-${tgid}.map`]) {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      continue;
    }
    try {
      const size = Math.min(fstatSync(fd).size, MAX_PERF_MAP);
      if (had && had.size === size) return had;
      const b = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, b, got, size - got, got);
        if (n <= 0) break;
        got += n;
      }
      return { funcs: parsePerfMap(b.toString("utf8", 0, got)), size };
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }
  return null;
}
