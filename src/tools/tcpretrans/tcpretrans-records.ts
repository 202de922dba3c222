// The layouts tcpretrans.bpf.c shares with user space: its read-only config, the ring
// record of one retransmit and the key of the -c counters. Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load).
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { decodeSockId, SOCK_ID_FIELDS, type SockId, sockRecordDecoder } from "../tcp-tool.js";

export const CONFIG = layout("tcpretrans_config", [
  ["count", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const EVENT = recordLayout("tcpretrans_event", [
  ["ts", "u64"],
  ["skaddr", "u64"],
  ["pid", "u32"],
  ["state", "s32"],
  ...SOCK_ID_FIELDS,
]);

export const COUNT_KEY = layout("sock_id", SOCK_ID_FIELDS);

/** The bytes of `const volatile struct tcpretrans_config cfg`. Pure. */
export function configBytes(count: boolean): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt8(count ? 1 : 0, CONFIG.off.count);
  return b;
}

export interface Retransmit extends SockId {
  ts: bigint;
  skaddr: bigint;
  pid: number;
  state: number;
}

/** One ring record (decoder derived from EVENT). Pure. */
export const decodeEvent: (buf: Buffer, off: number) => Retransmit = sockRecordDecoder(EVENT);

export interface RetransCount extends SockId {
  retransmits: number;
}

/** One entry of the `counts` map. Pure. */
export function decodeCount(key: Buffer, value: Buffer): RetransCount {
  return { ...decodeSockId(key, 0, COUNT_KEY.off), retransmits: Number(value.readBigUInt64LE(0)) };
}
