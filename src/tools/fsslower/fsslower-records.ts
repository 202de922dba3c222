// The layouts fsslower.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one slow operation. Offsets by C's rules (records.ts:layout); the
// C structs must match (sizes checked at load); the decoder is derived from the layout.
import { namedDecoder, recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { FS_OPS, FSTYPE_LEN, type FsOp, fsTypeBytes } from "../fs-ops.js";

export const FILE_NAME_LEN = 32;

export const CONFIG = layout("fsslower_config", [
  ["tgid", "u32"],
  ["pad", "u32"],
  ["min_ns", "u64"],
  ["fstype", { array: "char", len: FSTYPE_LEN }],
]);

export const EVENT = recordLayout("fsslower_event", [
  ["ts", "u64"],
  ["delta_ns", "u64"],
  ["offset", "s64"],
  ["size", "s64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["op", "u32"],
  ["pad", "u32"],
  ["fstype", { array: "char", len: FSTYPE_LEN }],
  ["comm", { array: "char", len: 16 }],
  ["file", { array: "char", len: FILE_NAME_LEN }],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_RING = 0;
export const LOST_START = 1;
export const LOST_WORDS = {
  ring: "operations lost: the ring buffer was full",
  start: "operations not timed: the map of operations in progress was full",
};

/** The size of an fsync: the whole file (bcc prints LL_MAX). */
export const SIZE_WHOLE_FILE = 2n ** 63n - 1n;

export interface FsslowerConfig {
  /** Only this process; 0: every process. */
  pid: number;
  /** Only files of this filesystem type; undefined: every type. */
  fsType?: string;
  /** Only operations slower than this, in ms (0: every operation). */
  minMs: number;
}

/** The bytes of `const volatile struct fsslower_config cfg`. Pure. */
export function configBytes(c: FsslowerConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeBigUInt64LE(BigInt(Math.round(c.minMs * 1e6)), CONFIG.off.min_ns);
  fsTypeBytes(c.fsType).copy(b, CONFIG.off.fstype);
  return b;
}

export interface SlowOp {
  /** CLOCK_MONOTONIC ns at the return. */
  ts: bigint;
  deltaNs: bigint;
  offset: bigint;
  size: bigint;
  pid: number;
  tid: number;
  op: FsOp;
  fstype: string;
  comm: string;
  file: string;
}

const decodeRecord = namedDecoder(EVENT, "op", FS_OPS, "read");

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): SlowOp {
  const { delta_ns, ...e } = decodeRecord(buf, off);
  return { ...e, deltaNs: delta_ns };
}
