// The layouts tcptracer.bpf.c shares with user space: its read-only config and the ring
// record of one connect, accept or close. Offsets by C's rules (records.ts:layout); the C
// structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";
import { decodeSockId, SOCK_ID_FIELDS, type SockId } from "../tcp-tool.js";

export const LOST_WORDS = { ring: "events lost (ring buffer full)" };

export const CONFIG = layout("tcptracer_config", [
  ["pid", "u32"],
  ["uid", "u32"],
  ["has_uid", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const EVENT = layout("tcptracer_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["uid", "u32"],
  ["type", "u8"],
  ["pad", { array: "u8", len: 7 }],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

export interface TcptracerConfig {
  /** Only this process; null: every process. */
  pid: number | null;
  /** Only this user; undefined: every user. */
  uid?: number;
}

/** The bytes of `const volatile struct tcptracer_config cfg`. Pure. */
export function configBytes(c: TcptracerConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid ?? 0, CONFIG.off.pid);
  b.writeUInt32LE(c.uid ?? 0, CONFIG.off.uid);
  b.writeUInt8(c.uid === undefined ? 0 : 1, CONFIG.off.has_uid);
  return b;
}

/** C: connected (SYN_SENT -> ESTABLISHED); A: accept() returned it; X: its close began. */
export type EventType = "C" | "A" | "X";

/** One event: s* is the local end, d* the remote one. */
export interface TracerEvent extends SockId {
  ts: bigint;
  type: EventType;
  pid: number;
  uid: number;
  comm: string;
}

/** One ring record. Pure. */
export function decodeEvent(buf: Buffer, off: number): TracerEvent {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    type: String.fromCharCode(buf.readUInt8(off + o.type)) as EventType,
    pid: buf.readUInt32LE(off + o.pid),
    uid: buf.readUInt32LE(off + o.uid),
    comm: cString(buf, off + o.comm, 16),
    ...decodeSockId(buf, off, o),
  };
}
