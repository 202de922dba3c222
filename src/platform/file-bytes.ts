// Bytes of a file at offsets, read when asked (pread), for the parts of a mapped binary
// that are needed late and sparsely: the symbol names of the frames a profile saw. An open
// file is kept open between reads, at most MAX_OPEN of them at a time (the least recently
// read is closed); a closed one is opened again by its path and read only if it is still
// the same file (device, inode, size, mtime), so a binary replaced since is never read as
// the old one. `BufferBytes` is the same interface over bytes already in memory (the
// vDSO's image, tests).
import { closeSync, fstatSync, openSync, readSync, type Stats } from "node:fs";

export interface Bytes {
  readonly size: number;
  /**
   * Up to `len` bytes at `off` (fewer at the end of the file, none when it cannot be read),
   * in `into` when it is given and large enough (a file's bytes are copied there).
   */
  read(off: number, len: number, into?: Buffer): Buffer;
}

export class BufferBytes implements Bytes {
  constructor(private readonly b: Buffer) {}
  get size(): number {
    return this.b.length;
  }
  read(off: number, len: number): Buffer {
    if (off < 0 || off >= this.b.length) return Buffer.alloc(0);
    return this.b.subarray(off, Math.min(this.b.length, off + len));
  }
}

/** Files kept open at once (the rest are opened again when read). */
const MAX_OPEN = 32;
/** Open files, least recently read first. */
const open = new Set<FileBytes>();

const sameFile = (a: Stats, b: Stats) =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

export class FileBytes implements Bytes {
  private fd: number | null;
  /** True once the file is gone or changed: every read comes back empty. */
  private lost = false;

  private constructor(
    private readonly paths: readonly string[],
    fd: number,
    private readonly st: Stats,
  ) {
    this.fd = fd;
    this.touch();
  }

  /**
   * The regular file at `path` (null when it cannot be opened, is not a regular file, or is
   * over `max`); `others` are other paths of the same file, tried when it is opened again.
   */
  static open(
    path: string,
    max = Number.POSITIVE_INFINITY,
    others: readonly string[] = [],
  ): FileBytes | null {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      return null;
    }
    try {
      const st = fstatSync(fd);
      if (st.isFile() && st.size <= max)
        return new FileBytes([path, ...others.filter((p) => p !== path)], fd, st);
    } catch {}
    closeSync(fd);
    return null;
  }

  get size(): number {
    return this.st.size;
  }

  read(off: number, len: number, into?: Buffer): Buffer {
    const end = Math.min(this.st.size, off + len);
    if (off < 0 || off >= end) return Buffer.alloc(0);
    const n = end - off;
    return this.readInto(into && into.length >= n ? into.subarray(0, n) : Buffer.allocUnsafe(n), off);
  }

  /** Fills `b` from `off` (the bytes read: `b` or its start). */
  readInto(b: Buffer, off: number): Buffer {
    const fd = this.reopen();
    if (fd === null) return b.subarray(0, 0);
    let got = 0;
    try {
      while (got < b.length && off + got < this.st.size) {
        const n = readSync(fd, b, got, b.length - got, off + got);
        if (n <= 0) break;
        got += n;
      }
    } catch {}
    return b.subarray(0, got);
  }

  /** Closes the file now (it is opened again when read). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    open.delete(this);
  }

  private reopen(): number | null {
    if (this.fd !== null) {
      this.touch();
      return this.fd;
    }
    if (this.lost) return null;
    for (const p of this.paths) {
      let fd: number;
      try {
        fd = openSync(p, "r");
      } catch {
        continue;
      }
      let same = false;
      try {
        same = sameFile(fstatSync(fd), this.st);
      } catch {}
      if (!same) {
        closeSync(fd);
        continue;
      }
      this.fd = fd;
      this.touch();
      return fd;
    }
    this.lost = true;
    return null;
  }

  private touch(): void {
    open.delete(this);
    open.add(this);
    if (open.size > MAX_OPEN) open.values().next().value?.close();
  }
}
