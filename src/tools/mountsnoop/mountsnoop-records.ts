// The layouts mountsnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one mount or umount call. Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load); the decoder is
// derived from the layout.
import { namedDecoder, recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { pairLostWords } from "../syscall-pair.js";

export const FS_LEN = 32;
export const PATH_LEN = 4096;
export const DATA_LEN = 512;

export const CONFIG = layout("mountsnoop_config", [["tgid", "u32"]]);

export const EVENT = recordLayout("mountsnoop_event", [
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

/** What each slot of the `lost` counters means (lib/syscall-pair.bpf.h). */
export const LOST_WORDS = pairLostWords("calls");

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

const decodeRecord = namedDecoder(EVENT, "op", SYSCALLS, "mount");

/** One call: ts (CLOCK_MONOTONIC ns at its return), latencyNs, flags, pid, tid, mntNs, ret (0
 * or -errno), op, comm, fs, src, dest, data. */
export type MountEvent = ReturnType<typeof decodeEvent>;

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number) {
  const { delta_ns, mnt_ns, ...e } = decodeRecord(buf, off);
  return { ...e, latencyNs: delta_ns, mntNs: mnt_ns };
}
