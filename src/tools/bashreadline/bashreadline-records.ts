// The ring-buffer record bashreadline.bpf.c sends: one line bash read. Offsets by C's
// rules (records.ts:layout); the C struct must match (size checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const LINE_LEN = 256;

export const EVENT = layout("bashreadline_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["pad", "u32"],
  ["line", { array: "char", len: LINE_LEN }],
]);

export const LOST_WORDS = { ring: "lines lost: the ring buffer was full" };

export interface ReadLine {
  ts: bigint;
  pid: number;
  line: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): ReadLine {
  return {
    ts: buf.readBigUInt64LE(off + EVENT.off.ts),
    pid: buf.readUInt32LE(off + EVENT.off.pid),
    line: cString(buf, off + EVENT.off.line, LINE_LEN),
  };
}
