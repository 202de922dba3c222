// Folded stacks read straight from bytes into packed stacks (packed.ts): a file or stdin in
// 1 MiB chunks, never one string of the whole input, frame names interned by a hash of
// their bytes and decoded once each (';' and '\n' never occur inside a UTF-8 sequence, so
// splitting bytes splits characters nowhere). A line the fast path does not take as it is
// (a count other than plain digits that NUMBER rejects, a non-ASCII byte at either end,
// difffolded's two counts, anything malformed) is decoded and goes through folded.ts's
// parseLine: the records and the error messages are parseFolded's for the same text.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { InputError } from "../../errors.js";
import { NUMBER, parseLine } from "./folded.js";
import { PackedBuilder, type PackedStacks } from "./packed.js";

const CHUNK = 1 << 20;
const FNV_BASIS = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const SEMI = 59;

/** ASCII whitespace as String.prototype.trim strips it: \t \n \v \f \r and space. */
const isWs = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** Lines of folded text in, packed stacks out. */
export class FoldedPacker {
  private readonly b: PackedBuilder;
  private lineNo = 0;
  private table = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private arena = new Uint8Array(1 << 16);
  private arenaLen = 0;
  private readonly nameOff: number[] = [];
  private readonly nameHash: number[] = [];
  private readonly nameLen: number[] = [];
  private readonly names: string[] = [];

  constructor(
    private readonly name: string,
    private readonly diff: boolean,
    sizeHint = 0,
  ) {
    this.b = new PackedBuilder(diff, sizeHint);
  }

  /** One line, bytes [s, e) of `buf` without its '\n'. */
  line(buf: Buffer, s: number, e: number): void {
    this.lineNo++;
    if (!this.fast(buf, s, e)) this.slow(buf, s, e);
  }

  /** A plain line taken as it is (true), or false before anything was added. */
  private fast(buf: Buffer, s: number, e: number): boolean {
    let a = s;
    let z = e;
    while (z > a && isWs(buf[z - 1])) z--;
    if (z === a) return true;
    while (isWs(buf[a])) a++;
    if (this.diff || buf[a] >= 0x80 || buf[z - 1] >= 0x80) return false;
    let i = z - 1;
    while (i >= a && buf[i] !== 32 && buf[i] !== 9) i--;
    if (i < a) return false;
    let count = 0;
    let digits = z - i - 1 <= 15;
    for (let k = i + 1; digits && k < z; k++) {
      const d = buf[k] - 48;
      if (d < 0 || d > 9) digits = false;
      else count = count * 10 + d;
    }
    if (!digits) {
      const word = buf.toString("latin1", i + 1, z);
      if (!NUMBER.test(word)) return false;
      count = Number(word);
      if (!Number.isFinite(count)) return false;
    }
    let j = i;
    while (j >= a && (buf[j] === 32 || buf[j] === 9)) j--;
    if (j < a) return false;
    let from = a;
    let h = FNV_BASIS;
    for (let k = a; k <= j; k++) {
      const c = buf[k];
      if (c === SEMI) {
        this.b.pushId(this.intern(buf, from, k, h));
        from = k + 1;
        h = FNV_BASIS;
      } else h = Math.imul(h ^ c, FNV_PRIME);
    }
    this.b.pushId(this.intern(buf, from, j + 1, h));
    this.b.endStack(count);
    return true;
  }

  /** The line as text through parseLine (throws its InputError naming the line). */
  private slow(buf: Buffer, s: number, e: number): void {
    const line = buf.toString("utf8", s, e).trimEnd();
    if (line.trim() === "") return;
    const rec = parseLine(line, this.name, this.lineNo, this.diff);
    for (const f of rec.frames) {
      const bytes = Buffer.from(f, "utf8");
      let h = FNV_BASIS;
      for (let k = 0; k < bytes.length; k++) h = Math.imul(h ^ bytes[k], FNV_PRIME);
      this.b.pushId(this.intern(bytes, 0, bytes.length, h));
    }
    this.b.endStack(rec.count, rec.before);
  }

  /** The id of the name in bytes [s, e), `h` their hash; a new name is decoded once. */
  private intern(buf: Uint8Array, s: number, e: number, h: number): number {
    const len = e - s;
    let slot = h & this.mask;
    for (;;) {
      const v = this.table[slot];
      if (v === 0) break;
      const id = v - 1;
      if (this.nameHash[id] === h && this.nameLen[id] === len && this.same(this.nameOff[id], buf, s, len))
        return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.names.length;
    if (this.arenaLen + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaLen + len));
      bigger.set(this.arena.subarray(0, this.arenaLen));
      this.arena = bigger;
    }
    this.arena.set(buf.subarray(s, e), this.arenaLen);
    this.nameOff.push(this.arenaLen);
    this.nameHash.push(h);
    this.nameLen.push(len);
    this.arenaLen += len;
    this.names.push(
      Buffer.from(this.arena.buffer, this.arena.byteOffset + this.nameOff[id], len).toString("utf8"),
    );
    this.table[slot] = id + 1;
    if (this.names.length * 2 > this.table.length) this.rehash();
    return id;
  }

  private same(off: number, buf: Uint8Array, s: number, len: number): boolean {
    const arena = this.arena;
    for (let k = 0; k < len; k++) if (arena[off + k] !== buf[s + k]) return false;
    return true;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let id = 0; id < this.names.length; id++) {
      let slot = this.nameHash[id] & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id + 1;
    }
  }

  /** The stacks; names that decode to the same text (invalid UTF-8) share one id. */
  finish(): PackedStacks {
    const p = this.b.finish(this.names);
    const first = new Map<string, number>();
    const remap = new Int32Array(this.names.length);
    let dups = false;
    for (let id = 0; id < this.names.length; id++) {
      const seen = first.get(this.names[id]);
      if (seen === undefined) first.set(this.names[id], id);
      else dups = true;
      remap[id] = seen ?? id;
    }
    if (dups) for (let k = 0; k < p.ids.length; k++) p.ids[k] = remap[p.ids[k]];
    return p;
  }
}

/** Folded text (a string or its UTF-8 bytes) to packed stacks: what readPacked does to a file. */
export function packFolded(text: string | Buffer, name = "input", diff = false): PackedStacks {
  const buf = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const p = new FoldedPacker(name, diff, buf.length);
  let s = 0;
  for (;;) {
    const nl = buf.indexOf(10, s);
    if (nl < 0) break;
    p.line(buf, s, nl);
    s = nl + 1;
  }
  if (s < buf.length) p.line(buf, s, buf.length);
  return p.finish();
}

/** A file, or stdin for "-", read in chunks into packed stacks; `name` names it in errors. */
export function readPacked(file: string, name: string, diff = false): PackedStacks {
  let fd: number;
  try {
    fd = file === "-" ? 0 : openSync(file, "r");
  } catch (err) {
    throw new InputError("cannot read input", { cause: err });
  }
  try {
    const st = fstatSync(fd);
    const p = new FoldedPacker(name, diff, st.isFile() ? st.size : 0);
    let buf = Buffer.allocUnsafe(CHUNK);
    let have = 0;
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = readSome(fd, buf, have, file);
      const end = have + n;
      if (n === 0) {
        if (end > 0) p.line(buf, 0, end);
        return p.finish();
      }
      const view = buf.subarray(0, end);
      let s = 0;
      for (;;) {
        const nl = view.indexOf(10, s);
        if (nl < 0) break;
        p.line(view, s, nl);
        s = nl + 1;
      }
      buf.copy(buf, 0, s, end);
      have = end - s;
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** readSync, waiting out EAGAIN (a non-blocking stdin pipe). */
function readSome(fd: number, buf: Buffer, at: number, file: string): number {
  for (;;) {
    try {
      return readSync(fd, buf, at, buf.length - at, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, 10);
        continue;
      }
      if ((err as NodeJS.ErrnoException).code === "EOF") return 0;
      throw new InputError(file === "-" ? "cannot read stdin" : "cannot read input", { cause: err });
    }
  }
}
