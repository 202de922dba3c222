// The layouts tcpconnlat.bpf.c shares with user space: its read-only config and the ring
// record of one connect. Offsets by C's rules (records.ts:layout); the C structs must
// match (sizes checked at load).
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { familyOf, SOCK_ID_FIELDS, type SockId, sockRecordDecoder } from "../tcp-tool.js";

/** What the lost counters mean (snoop-tool.ts prints "WARNING: N <words>"). */
export const LOST_WORDS = {
  ring: "connects lost: the ring buffer was full",
  start: "connects not timed: the map of connects in progress was full",
};

export const CONFIG = layout("tcpconnlat_config", [
  ["min_ns", "u64"],
  ["pid", "u32"],
  ["family", "u16"],
  ["pad", "u16"],
]);

export const EVENT = recordLayout("tcpconnlat_event", [
  ["ts", "u64"],
  ["delta_ns", "u64"],
  ["pid", "u32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

export interface TcpconnlatConfig {
  /** Only connects at least this slow (ms); 0: all. */
  minMs: number;
  /** Only this process; null: every process. */
  pid: number | null;
  ip?: 4 | 6;
}

/** The bytes of `const volatile struct tcpconnlat_config cfg`. Pure. */
export function configBytes(c: TcpconnlatConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeBigUInt64LE(BigInt(Math.round(c.minMs * 1e6)), CONFIG.off.min_ns);
  b.writeUInt32LE(c.pid ?? 0, CONFIG.off.pid);
  b.writeUInt16LE(familyOf(c.ip), CONFIG.off.family);
  return b;
}

/** One connect: s* is the local end, d* the remote one. */
export interface ConnectLatency extends SockId {
  /** CLOCK_MONOTONIC ns when the handshake ended. */
  ts: bigint;
  deltaNs: number;
  pid: number;
  comm: string;
}

const decodeRecord = sockRecordDecoder(EVENT);

/** One ring record (decoder derived from EVENT; times in ns as numbers). Pure. */
export function decodeEvent(buf: Buffer, off: number): ConnectLatency {
  const { delta_ns, ...e } = decodeRecord(buf, off);
  return { ...e, deltaNs: Number(delta_ns) };
}
