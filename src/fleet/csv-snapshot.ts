// Snapshots of an open part's CSV files for ship's window cuts: copies up to the last whole
// line, rounds first; after a first window, copies of only what the capture wrote since
// (marks: where each table's next copy may start). Also the CSV timestamps read back and the
// rounds' span from a file's first and last lines. Byte work only; the SQL is segment-cut.ts.
import {
  closeSync,
  copyFileSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { tsnapCsvReader } from "../store/convert.js";
import type { PartitionFile } from "../store/files.js";
import type { TableName } from "../store/schema.js";
import { type PartSources, TIMED } from "./segment-cut.js";

/**
 * Where a table's next snapshot may start: a byte offset into the CSV file with this inode
 * and these first bytes (an inode number may be reused by another file).
 */
export interface SnapMark {
  ino: number;
  head: string;
  from: number;
}

const HEAD_BYTES = 512;

/** One table's copy: where its data bytes came from in the capture's file. */
interface CopySpan {
  ino: number;
  head: string;
  /** Offset in the file of the copy's first data byte (0: a whole copy, header included). */
  start: number;
  /** Bytes of header line written before the data (0: a whole copy). */
  headerLen: number;
  /** Bytes of the copy kept (whole lines). */
  size: number;
  path: string;
}

export interface Snapshot {
  src: PartSources;
  /** Tables copied from a mark: their copies hold only rows no earlier segment took. */
  partial: Set<TableName>;
  spans: Map<TableName, CopySpan>;
  /** Bytes copied. */
  bytes: number;
}

/**
 * Copies of an open part's CSV files up to their last whole line, rounds first: every row
 * of a round in the copied rounds file is then in the other copies too (the writer puts
 * a round's rows on disk before its rounds row). The capture may append meanwhile; a torn
 * last line is left out. A table with a mark (nextMarks of the previous cut, same file)
 * is copied from there only, under its header line: a cut then reads the minutes since the
 * last one, not the whole hour so far.
 */
export function snapshotCsv(
  dir: string,
  files: PartitionFile[],
  snapDir: string,
  marks: ReadonlyMap<TableName, SnapMark> = new Map(),
): Snapshot {
  rmSync(snapDir, { recursive: true, force: true });
  mkdirSync(snapDir, { recursive: true, mode: 0o700 });
  const snap: Snapshot = { src: new Map(), partial: new Set(), spans: new Map(), bytes: 0 };
  const ordered = [...files].sort((a, b) => Number(b.table === "rounds") - Number(a.table === "rounds"));
  for (const f of ordered) {
    const dest = join(snapDir, `${f.table}.csv`);
    const span = copyFrom(join(dir, f.name), dest, marks.get(f.table));
    const fd = openSync(dest, "r+");
    try {
      const size = fstatSync(fd).size;
      const tail = Buffer.alloc(Math.min(size - span.headerLen, 1 << 20));
      readSync(fd, tail, 0, tail.length, size - tail.length);
      const nl = tail.lastIndexOf(10);
      // No whole line in the last MiB: no row to take (only a header, or one enormous row).
      span.size = nl < 0 ? span.headerLen : size - tail.length + nl + 1;
      ftruncateSync(fd, span.size);
    } finally {
      closeSync(fd);
    }
    snap.bytes += span.size - span.headerLen;
    if (span.size === 0) continue;
    if (span.headerLen > 0) snap.partial.add(f.table);
    snap.spans.set(f.table, span);
    snap.src.set(f.table, tsnapCsvReader([dest], f.table));
  }
  return snap;
}

/** Copy a CSV file whole, or its header line and the bytes from a mark of the same file on. */
function copyFrom(src: string, dest: string, mark: SnapMark | undefined): CopySpan {
  const fd = openSync(src, "r");
  try {
    const st = fstatSync(fd);
    const first = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
    readSync(fd, first, 0, first.length, 0);
    const head = first.toString("latin1");
    const same = mark && mark.ino === st.ino && mark.from <= st.size && head.startsWith(mark.head);
    const header = same ? headerLine(fd) : null;
    if (!mark || header === null) {
      copyFileSync(src, dest);
      return { ino: st.ino, head, start: 0, headerLen: 0, size: 0, path: dest };
    }
    const out = openSync(dest, "w", 0o600);
    try {
      writeSync(out, header);
      const buf = Buffer.alloc(1 << 20);
      for (let pos = mark.from; pos < st.size; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, st.size - pos), pos);
        if (n === 0) break;
        writeSync(out, buf, 0, n);
        pos += n;
      }
    } finally {
      closeSync(out);
    }
    return { ino: st.ino, head, start: mark.from, headerLen: header.length, size: 0, path: dest };
  } finally {
    closeSync(fd);
  }
}

/** The file's first line with its newline, or null when it has none in its first 64 KiB. */
function headerLine(fd: number): Buffer | null {
  const head = Buffer.alloc(1 << 16);
  const n = readSync(fd, head, 0, head.length, 0);
  const nl = head.subarray(0, n).indexOf(10);
  return nl < 0 ? null : Buffer.from(head.subarray(0, nl + 1));
}

/**
 * Where the next snapshot of each table may start once a window ending at `toUs` was cut
 * from this one: a timed table at its first line from `toUs` on (rows are written in round
 * order; the scan goes back from the copy's end), the others at the copy's end (all they
 * hold was taken). Bytes before a mark then hold no row a later window needs; a row written
 * out of order (a late round after a full disk) ships with the closing segment, which takes
 * the whole part EXCEPT ALL its windows.
 */
export function nextMarks(snap: Snapshot, toUs: number): Map<TableName, SnapMark> {
  const marks = new Map<TableName, SnapMark>();
  for (const [table, span] of snap.spans) {
    const abs = (copyPos: number) => span.start + copyPos - span.headerLen;
    const pos = TIMED.has(table) ? firstLineFrom(span, toUs) : span.size;
    marks.set(table, { ino: span.ino, head: span.head, from: abs(pos) });
  }
  return marks;
}

/**
 * Copy offset of the first data line whose timestamp is `toUs` or later (one that does not
 * parse counts as later), by bisection over byte offsets: timestamps do not decrease down
 * the file, so a few reads find it however long the copy.
 */
function firstLineFrom(span: CopySpan, toUs: number): number {
  const fd = openSync(span.path, "r");
  try {
    const size = span.size;
    // A whole copy starts with the header: data begins after its first newline.
    const dataStart = span.headerLen > 0 ? span.headerLen : (headerLine(fd)?.length ?? size);
    const buf = Buffer.alloc(1 << 16);
    /** The first line starting at or after pos: its start and timestamp (null at the end). */
    const lineAt = (pos: number): { start: number; us: number } | null => {
      let start = pos;
      if (pos > dataStart) {
        // Skip to just after the next newline at or after pos - 1.
        for (let at = pos - 1; ; ) {
          if (at >= size) return null;
          const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
          const nl = buf.subarray(0, n).indexOf(10);
          if (nl >= 0) {
            start = at + nl + 1;
            break;
          }
          at += n;
        }
      }
      if (start >= size) return null;
      const n = readSync(fd, buf, 0, Math.min(40, size - start), start);
      const text = buf.toString("latin1", 0, n);
      const comma = text.indexOf(",");
      const us = comma < 0 ? null : csvTimestampUs(text.slice(0, comma));
      return { start, us: us ?? Number.POSITIVE_INFINITY };
    };
    let lo = dataStart;
    let hi = size;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const l = lineAt(mid);
      if (l === null || l.us >= toUs) hi = mid;
      else lo = mid + 1;
    }
    return lineAt(lo)?.start ?? size;
  } finally {
    closeSync(fd);
  }
}

/** Pure: µs of a tsnap CSV timestamp (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC), or null. */
export function csvTimestampUs(text: string): number | null {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isNaN(ms) ? null : ms * 1000 + Number((m[3] ?? "").padEnd(6, "0"));
}

/**
 * The first and last rounds of an open part from its rounds CSV's first data line and last
 * whole line (a few KiB read): enough to tell whether a window is due before copying the
 * part. The cut itself reads them again from the copy.
 */
export function roundsSpanOfCsv(path: string): { firstUs: number; lastUs: number } | null {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const headLines = head.toString("utf8").split("\n");
    const tailText = tail.toString("utf8");
    const lines = tailText.slice(0, tailText.lastIndexOf("\n")).split("\n");
    const first = headLines.length > 2 ? csvTimestampUs(headLines[1].split(",")[0]) : null;
    const last = lines.length > 1 ? csvTimestampUs(lines[lines.length - 1].split(",")[0]) : null;
    return first === null || last === null ? null : { firstUs: first, lastUs: last };
  } finally {
    closeSync(fd);
  }
}
