// The layouts solisten.bpf.c shares with user space: its read-only config and the ring
// record of one listen(). Offsets by C's rules (records.ts:layout); the C structs must
// match (sizes checked at load); the decoder is derived from the layout.
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { SOCK_ID_FIELDS, type SockId, sockRecordDecoder } from "../tcp-tool.js";

export const LOST_WORDS = { ring: "listens lost: the ring buffer was full" };

export const CONFIG = layout("solisten_config", [["pid", "u32"]]);

export const EVENT = recordLayout("solisten_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["ret", "s32"],
  ["backlog", "s32"],
  ["type", "u16"],
  ["pad", "u16"],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

/** The bytes of `const volatile struct solisten_config cfg`. Pure. */
export function configBytes(pid: number | null): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(pid ?? 0, CONFIG.off.pid);
  return b;
}

/** One listen(): s* is the socket's bound address and port. */
export interface ListenEvent extends SockId {
  ts: bigint;
  pid: number;
  ret: number;
  backlog: number;
  /** SOCK_STREAM (1), SOCK_DGRAM (2), ... */
  type: number;
  comm: string;
}

/** One ring record. Pure. */
export const decodeEvent: (buf: Buffer, off: number) => ListenEvent = sockRecordDecoder(EVENT);
