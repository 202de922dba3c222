// The layouts tcplife.bpf.c shares with user space: its read-only config and the ring
// record of one session. Offsets by C's rules (records.ts:layout); the C structs must
// match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";
import { decodeSockId, familyOf, MAX_PORTS, SOCK_ID_FIELDS, type SockId, writePorts } from "../tcp-tool.js";

export const CONFIG = layout("tcplife_config", [
  ["pid", "u32"],
  ["lports", { array: "u16", len: MAX_PORTS }],
  ["rports", { array: "u16", len: MAX_PORTS }],
  ["family", "u16"],
  ["pad", "u16"],
]);

export const EVENT = layout("tcplife_event", [
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

/** One ring record. Pure. */
export function decodeEvent(buf: Buffer, off: number): Session {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    spanNs: Number(buf.readBigUInt64LE(off + o.span_ns)),
    rxBytes: Number(buf.readBigUInt64LE(off + o.rx_b)),
    txBytes: Number(buf.readBigUInt64LE(off + o.tx_b)),
    pid: buf.readUInt32LE(off + o.pid),
    comm: cString(buf, off + o.comm, 16),
    ...decodeSockId(buf, off, o),
  };
}
