// The layouts tcpconnect.bpf.c shares with user space: its read-only config, the ring
// record of one connect and the key of the -c counters. Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load).
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import {
  decodeSockId,
  MAX_PORTS,
  SOCK_ID_FIELDS,
  type SockId,
  sockRecordDecoder,
  writePorts,
} from "../tcp-tool.js";

export const CONFIG = layout("tcpconnect_config", [
  ["pid", "u32"],
  ["uid", "u32"],
  ["dports", { array: "u16", len: MAX_PORTS }],
  ["filter_uid", "u8"],
  ["count", "u8"],
  ["source_port", "u8"],
  ["pad", "u8"],
]);

export const EVENT = recordLayout("tcpconnect_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["uid", "u32"],
  ["ret", "s32"],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

/** The key of the `counts` map: a struct sock_id. */
export const COUNT_KEY = layout("sock_id", SOCK_ID_FIELDS);

/** Slots of the `lost` array map. */
export const LOST_RING = 0;
export const LOST_START = 1;
/** What each lost counter means (snoop-tool.ts prints "WARNING: N <words>"). */
export const LOST_WORDS = {
  ring: "connects lost: the ring buffer was full",
  start: "connects lost: the map of connects in progress was full",
};

export interface TcpconnectConfig {
  /** Only this process; null: every process. */
  pid: number | null;
  /** Only this uid; undefined: every uid. */
  uid?: number;
  /** Only these destination ports; []: every port. */
  ports: number[];
  count: boolean;
  sourcePort: boolean;
}

/** The bytes of `const volatile struct tcpconnect_config cfg`. Pure. */
export function configBytes(c: TcpconnectConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid ?? 0, CONFIG.off.pid);
  b.writeUInt32LE(c.uid ?? 0, CONFIG.off.uid);
  writePorts(b, CONFIG.off.dports, c.ports);
  b.writeUInt8(c.uid === undefined ? 0 : 1, CONFIG.off.filter_uid);
  b.writeUInt8(c.count ? 1 : 0, CONFIG.off.count);
  b.writeUInt8(c.sourcePort ? 1 : 0, CONFIG.off.source_port);
  return b;
}

export interface ConnectEvent extends SockId {
  /** CLOCK_MONOTONIC ns when connect() returned. */
  ts: bigint;
  pid: number;
  tid: number;
  uid: number;
  /** connect()'s return value: 0, or -errno (-115 EINPROGRESS for a non-blocking socket). */
  ret: number;
  comm: string;
}

/** One ring record (decoder derived from EVENT). Pure. */
export const decodeEvent: (buf: Buffer, off: number) => ConnectEvent = sockRecordDecoder(EVENT);

export interface ConnectCount extends SockId {
  connects: number;
}

/** One entry of the `counts` map. Pure. */
export function decodeCount(key: Buffer, value: Buffer): ConnectCount {
  return { ...decodeSockId(key, 0, COUNT_KEY.off), connects: Number(value.readBigUInt64LE(0)) };
}
