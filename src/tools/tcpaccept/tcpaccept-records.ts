// The layouts tcpaccept.bpf.c shares with user space: its read-only config and the ring
// record of one accept. Offsets by C's rules (records.ts:layout); the C structs must
// match (sizes checked at load).
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import {
  familyOf,
  MAX_PORTS,
  SOCK_ID_FIELDS,
  type SockId,
  sockRecordDecoder,
  writePorts,
} from "../tcp-tool.js";

/** What the lost counter means (snoop-tool.ts prints "WARNING: N <words>"). */
export const LOST_WORDS = { ring: "accepts lost: the ring buffer was full" };

export const CONFIG = layout("tcpaccept_config", [
  ["pid", "u32"],
  ["lports", { array: "u16", len: MAX_PORTS }],
  ["family", "u16"],
  ["pad", "u16"],
]);

export const EVENT = recordLayout("tcpaccept_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["uid", "u32"],
  ["fd", "s32"],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

export interface TcpacceptConfig {
  /** Only this process; null: every process. */
  pid: number | null;
  /** Only these local ports; []: every port. */
  ports: number[];
  /** Only IPv4 or IPv6; undefined: both. */
  ip?: 4 | 6;
}

/** The bytes of `const volatile struct tcpaccept_config cfg`. Pure. */
export function configBytes(c: TcpacceptConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid ?? 0, CONFIG.off.pid);
  writePorts(b, CONFIG.off.lports, c.ports);
  b.writeUInt16LE(familyOf(c.ip), CONFIG.off.family);
  return b;
}

/** One accept: s* is the local end, d* the remote one. */
export interface AcceptEvent extends SockId {
  /** CLOCK_MONOTONIC ns when accept() returned. */
  ts: bigint;
  pid: number;
  tid: number;
  uid: number;
  fd: number;
  comm: string;
}

/** One ring record (decoder derived from EVENT). Pure. */
export const decodeEvent: (buf: Buffer, off: number) => AcceptEvent = sockRecordDecoder(EVENT);
