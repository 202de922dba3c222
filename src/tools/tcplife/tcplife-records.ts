// The layouts tcplife.bpf.c shares with user space: its read-only config and the ring
// record of one session. Offsets by C's rules (records.ts:layout); the C structs must
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

export const CONFIG = layout("tcplife_config", [
  ["pid", "u32"],
  ["lports", { array: "u16", len: MAX_PORTS }],
  ["rports", { array: "u16", len: MAX_PORTS }],
  ["family", "u16"],
  ["pad", "u16"],
]);

export const EVENT = recordLayout("tcplife_event", [
  ["ts", "u64"],
  ["span_ns", "u64"],
  ["rx_b", "u64"],
  ["tx_b", "u64"],
  ["pid", "u32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

export interface TcplifeConfig {
  pid: number | null;
  localPorts: number[];
  remotePorts: number[];
  ip?: 4 | 6;
}

/** The bytes of `const volatile struct tcplife_config cfg`. Pure. */
export function configBytes(c: TcplifeConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid ?? 0, CONFIG.off.pid);
  writePorts(b, CONFIG.off.lports, c.localPorts);
  writePorts(b, CONFIG.off.rports, c.remotePorts);
  b.writeUInt16LE(familyOf(c.ip), CONFIG.off.family);
  return b;
}

/** One session: s* is the local end, d* the remote one. */
export interface Session extends SockId {
  /** CLOCK_MONOTONIC ns at CLOSE. */
  ts: bigint;
  spanNs: number;
  rxBytes: number;
  txBytes: number;
  pid: number;
  comm: string;
}

const decodeRecord = sockRecordDecoder(EVENT);

/** One ring record (decoder derived from EVENT; times in ns as numbers). Pure. */
export function decodeEvent(buf: Buffer, off: number): Session {
  const { span_ns, rx_b, tx_b, ...e } = decodeRecord(buf, off);
  return { ...e, spanNs: Number(span_ns), rxBytes: Number(rx_b), txBytes: Number(tx_b) };
}
