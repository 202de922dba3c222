// The layouts gethostlatency.bpf.c shares with user space: its read-only config and the
// record of one lookup. Offsets by C's rules (records.ts:layout); the C structs must match
// (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const HOST_LEN = 128;

/** The functions timed, in the order of their attach cookies. */
export const FUNCS = ["getaddrinfo", "gethostbyname", "gethostbyname2"] as const;

export const CONFIG = layout("gethostlatency_config", [
  ["tgid", "u32"],
  ["pad", "u32"],
]);

export const EVENT = layout("gethostlatency_event", [
  ["ts", "u64"],
  ["lat_ns", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["func", "u32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
  ["host", { array: "char", len: HOST_LEN }],
]);

/** Slots of the `lost` array map (lib/syscall-pair.bpf.h), and what each means. */
export { LOST_RING, LOST_START } from "../syscall-pair.js";
export const LOST_WORDS = {
  ring: "lookups lost: the ring buffer was full",
  start: "lookups not timed: the map of lookups in progress was full",
};

export function configBytes(pid: number): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(pid, CONFIG.off.tgid);
  return b;
}

export interface Lookup {
  ts: bigint;
  latNs: bigint;
  pid: number;
  tid: number;
  func: string;
  comm: string;
  host: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): Lookup {
  const o = EVENT.off;
  const func = buf.readUInt32LE(off + o.func);
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    latNs: buf.readBigUInt64LE(off + o.lat_ns),
    pid: buf.readUInt32LE(off + o.pid),
    tid: buf.readUInt32LE(off + o.tid),
    func: FUNCS[func] ?? `#${func}`,
    comm: cString(buf, off + o.comm, 16),
    host: cString(buf, off + o.host, HOST_LEN),
  };
}
