// The layouts filelife.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one file removed. Offsets by C's rules (records.ts:layout); the C
// structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const NAME_LEN = 64;

export const CONFIG = layout("filelife_config", [
  ["tgid", "u32"],
  ["pad", "u32"],
]);

export const EVENT = layout("filelife_event", [
  ["ts", "u64"],
  ["age_ns", "u64"],
  ["pid", "u32"],
  ["creator", "u32"],
  ["comm", { array: "char", len: 16 }],
  ["name", { array: "char", len: NAME_LEN }],
]);

/** Slots of the `lost` array map (lib/syscall-pair.bpf.h), and what each means. */
export { LOST_RING, LOST_START } from "../syscall-pair.js";
export const LOST_WORDS = {
  ring: "deletions lost: the ring buffer was full",
  start: "unlinks or renames not followed: the map of calls in progress was full",
};

/** The open syscalls whose exits record a file created, and the unlinks. */
export const OPENS = ["open", "openat", "openat2", "creat"] as const;
export const UNLINKS = ["unlink", "unlinkat"] as const;
export const RENAMES = ["rename", "renameat", "renameat2"] as const;

/** The bytes of `const volatile struct filelife_config cfg`. Pure. */
export function configBytes(pid: number): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(pid, CONFIG.off.tgid);
  return b;
}

export interface FileDeath {
  /** CLOCK_MONOTONIC ns at the unlink's return. */
  ts: bigint;
  ageNs: bigint;
  /** The process that removed the file, and its comm. */
  pid: number;
  comm: string;
  /** The process that created it. */
  creator: number;
  /** The file's name (its last path component). */
  name: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): FileDeath {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    ageNs: buf.readBigUInt64LE(off + o.age_ns),
    pid: buf.readUInt32LE(off + o.pid),
    creator: buf.readUInt32LE(off + o.creator),
    comm: cString(buf, off + o.comm, 16),
    name: cString(buf, off + o.name, NAME_LEN),
  };
}
