// The layouts mountsnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one mount or umount call. Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const FS_LEN = 32;
export const PATH_LEN = 4096;
export const DATA_LEN = 512;

export const CONFIG = layout("mountsnoop_config", [["tgid", "u32"]]);

export const EVENT = layout("mountsnoop_event", [
  ["ts", "u64"],
  ["delta_ns", "u64"],
  ["flags", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["mnt_ns", "u32"],
  ["ret", "s32"],
  ["op", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["comm", { array: "char", len: 16 }],
  ["fs", { array: "char", len: FS_LEN }],
  ["src", { array: "char", len: PATH_LEN }],
  ["dest", { array: "char", len: PATH_LEN }],
  ["data", { array: "char", len: DATA_LEN }],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_RING = 0;
export const LOST_START = 1;
export const LOST_WORDS = {
  ring: "calls lost: the ring buffer was full",
  start: "calls lost: the map of calls in progress was full",
};

/** The syscalls traced (tracepoint names: umount2(2) is the kernel's sys_umount). */
export const SYSCALLS = ["mount", "umount"] as const;

export interface MountsnoopConfig {
  /** Only this process; 0: every process. */
  pid: number;
}

/** The bytes of `const volatile struct mountsnoop_config cfg`. Pure. */
export function configBytes(c: MountsnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  return b;
}

export interface MountEvent {
  /** CLOCK_MONOTONIC ns at the call's return. */
  ts: bigint;
  latencyNs: bigint;
  flags: bigint;
  pid: number;
  tid: number;
  mntNs: number;
  /** 0 or -errno. */
  ret: number;
  op: (typeof SYSCALLS)[number];
  comm: string;
  fs: string;
  src: string;
  dest: string;
  data: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): MountEvent {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    latencyNs: buf.readBigUInt64LE(off + o.delta_ns),
    flags: buf.readBigUInt64LE(off + o.flags),
    pid: buf.readUInt32LE(off + o.pid),
    tid: buf.readUInt32LE(off + o.tid),
    mntNs: buf.readUInt32LE(off + o.mnt_ns),
    ret: buf.readInt32LE(off + o.ret),
    op: SYSCALLS[buf.readUInt8(off + o.op)] ?? "mount",
    comm: cString(buf, off + o.comm, 16),
    fs: cString(buf, off + o.fs, FS_LEN),
    src: cString(buf, off + o.src, PATH_LEN),
    dest: cString(buf, off + o.dest, PATH_LEN),
    data: cString(buf, off + o.data, DATA_LEN),
  };
}
