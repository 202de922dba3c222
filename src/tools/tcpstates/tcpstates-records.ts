// The layouts tcpstates.bpf.c shares with user space: its read-only config and the ring
// record of one state change. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load).
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

export const CONFIG = layout("tcpstates_config", [
  ["lports", { array: "u16", len: MAX_PORTS }],
  ["rports", { array: "u16", len: MAX_PORTS }],
  ["family", "u16"],
  ["pad", "u16"],
]);

export const EVENT = recordLayout("tcpstates_event", [
  ["ts", "u64"],
  ["skaddr", "u64"],
  ["delta_ns", "u64"],
  ["pid", "u32"],
  ["oldstate", "s32"],
  ["newstate", "s32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
  ...SOCK_ID_FIELDS,
]);

/** The kernel's TCP states by number (include/net/tcp_states.h), as libbpf-tools names them. */
export const TCP_STATES = [
  "UNKNOWN",
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSE",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
  "NEW_SYN_RECV",
] as const;

export const stateName = (n: number): string => TCP_STATES[n] ?? "UNKNOWN";

export interface TcpstatesConfig {
  localPorts: number[];
  remotePorts: number[];
  ip?: 4 | 6;
}

/** The bytes of `const volatile struct tcpstates_config cfg`. Pure. */
export function configBytes(c: TcpstatesConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  writePorts(b, CONFIG.off.lports, c.localPorts);
  writePorts(b, CONFIG.off.rports, c.remotePorts);
  b.writeUInt16LE(familyOf(c.ip), CONFIG.off.family);
  return b;
}

/** One state change: s* is the local end, d* the remote one. */
export interface StateChange extends SockId {
  ts: bigint;
  skaddr: bigint;
  deltaNs: number;
  pid: number;
  oldstate: number;
  newstate: number;
  comm: string;
}

const decodeRecord = sockRecordDecoder(EVENT);

/** One ring record (decoder derived from EVENT; times in ns as numbers). Pure. */
export function decodeEvent(buf: Buffer, off: number): StateChange {
  const { delta_ns, ...e } = decodeRecord(buf, off);
  return { ...e, deltaNs: Number(delta_ns) };
}
