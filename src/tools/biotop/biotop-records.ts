// The layouts biotop.bpf.c shares with user space: its read-only config and the key and
// value of its `counts` map. Offsets by C's rules (records.ts:layout); the C structs must
// match (sizes checked at load); the decoder is derived from the layouts.
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("biotop_config", [
  ["dev", "u32"],
  ["tgid", "u32"],
]);

export const KEY = recordLayout("biotop_key", [
  ["pid", "u32"],
  ["dev", "u32"],
  ["write", "u32"],
  ["comm", { array: "char", len: 16 }],
]);

export const VALUE = recordLayout("biotop_value", [
  ["bytes", "u64"],
  ["ns", "u64"],
  ["io", "u64"],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_WORDS = {
  start: "I/Os not counted: the map of requests in flight was full",
  counts: "I/Os not counted: the map of processes and disks was full",
};

export interface BiotopConfig {
  /** The kernel's dev_t of the one disk to count, 0 for every disk. */
  dev: number;
  /** Only I/O this process submitted; 0: every process. */
  pid: number;
}

/** The bytes of `const volatile struct biotop_config cfg`. Pure. */
export function configBytes(c: BiotopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.dev, CONFIG.off.dev);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  return b;
}

/** One (process, disk, direction) row: its I/Os, bytes and summed issue → done time. */
export interface DiskIo {
  pid: number;
  comm: string;
  dev: number;
  write: boolean;
  io: number;
  bytes: number;
  ns: number;
}

/** One entry of the `counts` map. Pure. */
export function decodeRow(key: Buffer, value: Buffer): DiskIo {
  const { pid, comm, dev, write } = KEY.decode(key, 0);
  const { io, bytes, ns } = VALUE.decode(value, 0);
  return { pid, comm, dev, write: write === 1, io: Number(io), bytes: Number(bytes), ns: Number(ns) };
}
