// The layouts tcptop.bpf.c shares with user space: its read-only config and the key and
// value of its `traffic` map. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load).
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { familyOf, SOCK_ID_FIELDS, type SockId, sockRecordDecoder } from "../tcp-tool.js";

export const CONFIG = layout("tcptop_config", [
  ["pid", "u32"],
  ["family", "u16"],
  ["filter_cg", "u8"],
  ["pad", "u8"],
  ["protocol", "u16"],
  ["pad2", "u16"],
]);

export const KEY = recordLayout("tcptop_key", [
  ...SOCK_ID_FIELDS,
  ["pid", "u32"],
  ["comm", { array: "char", len: 16 }],
]);

export const TRAFFIC = recordLayout("tcptop_traffic", [
  ["sent", "u64"],
  ["received", "u64"],
]);

export const LOST_WORDS = { map: "connections not counted: the map of connections was full" };

/** IPPROTO_TCP (tcptop), IPPROTO_UDP (udptop). */
export type TopProtocol = 6 | 17;

export interface TcptopConfig {
  protocol: TopProtocol;
  pid: number | null;
  ip?: 4 | 6;
  cgroup?: string;
}

/** The bytes of `const volatile struct tcptop_config cfg`. Pure. */
export function configBytes(c: TcptopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid ?? 0, CONFIG.off.pid);
  b.writeUInt16LE(familyOf(c.ip), CONFIG.off.family);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  b.writeUInt16LE(c.protocol, CONFIG.off.protocol);
  return b;
}

/** One process's traffic on one connection (s* local, d* remote), cumulative. */
export interface Traffic extends SockId {
  pid: number;
  comm: string;
  sent: number;
  received: number;
}

const decodeKey = sockRecordDecoder(KEY);

/** One entry of the `traffic` map. Pure. */
export function decodeTraffic(key: Buffer, value: Buffer): Traffic {
  const { sent, received } = TRAFFIC.decode(value, 0);
  return { ...decodeKey(key, 0), sent: Number(sent), received: Number(received) };
}
