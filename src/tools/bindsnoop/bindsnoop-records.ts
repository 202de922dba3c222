// The layouts bindsnoop.bpf.c shares with user space: its read-only config and the ring
// record of one bind(). Offsets by C's rules (records.ts:layout); the C structs must
// match (sizes checked at load); the decoder is derived from the layout.
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { MAX_PORTS, SOCK_ID_FIELDS, type SockId, sockRecordDecoder, writePorts } from "../tcp-tool.js";

export const LOST_WORDS = { ring: "binds lost: the ring buffer was full" };

export const CONFIG = layout("bindsnoop_config", [
  ["pid", "u32"],
  ["ports", { array: "u16", len: MAX_PORTS }],
  ["failed", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const EVENT = recordLayout("bindsnoop_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["ret", "s32"],
  ["bound_dev_if", "s32"],
  ["proto", "u16"],
  ["opts", "u8"],
  ["pad", "u8"],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

export interface BindsnoopConfig {
  /** Only this process; null: every process. */
  pid: number | null;
  /** Only these bound ports; []: every port. */
  ports: number[];
  /** Also binds that failed (-x). */
  failed: boolean;
}

/** The bytes of `const volatile struct bindsnoop_config cfg`. Pure. */
export function configBytes(c: BindsnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid ?? 0, CONFIG.off.pid);
  writePorts(b, CONFIG.off.ports, c.ports);
  b.writeUInt8(c.failed ? 1 : 0, CONFIG.off.failed);
  return b;
}

/** One bind(): s* is the address and port the socket holds after it. */
export interface BindEvent extends SockId {
  ts: bigint;
  pid: number;
  /** bind()'s return: 0 or -errno. */
  ret: number;
  /** The interface index the socket is bound to (SO_BINDTODEVICE), 0 for none. */
  boundDevIf: number;
  proto: number;
  /** bcc's option bits, F T N R r from bit 0 up. */
  opts: number;
  comm: string;
}

const decodeRecord = sockRecordDecoder(EVENT);

/** One ring record. Pure. */
export function decodeEvent(buf: Buffer, off: number): BindEvent {
  const { bound_dev_if, ...e } = decodeRecord(buf, off);
  return { ...e, boundDevIf: bound_dev_if };
}

/** bcc's OPTS column: F (IP_FREEBIND), T (IP_TRANSPARENT), N (IP_BIND_ADDRESS_NO_PORT),
 * R (SO_REUSEADDR), r (SO_REUSEPORT), '.' for each one not set. Pure. */
export function optsText(opts: number): string {
  return [..."FTNRr"].map((c, i) => (opts & (1 << i) ? c : ".")).join("");
}

/** TCP, UDP, or UNK (bcc's names). Pure. */
export function protoName(proto: number): string {
  return proto === 6 ? "TCP" : proto === 17 ? "UDP" : "UNK";
}
