// The layouts opensnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one open. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load); the decoder is derived from the layout. And the names of open(2)'s flags, for -f.
import { UsageError } from "../../errors.js";
import { namedDecoder, recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { pairLostWords } from "../syscall-pair.js";

export const PATH_MAX_COPY = 256;

export const CONFIG = layout("opensnoop_config", [
  ["tgid", "u32"],
  ["tid", "u32"],
  ["uid", "u32"],
  ["flags_mask", "u32"],
  ["filter_uid", "u8"],
  ["failed", "u8"],
  ["filter_cg", "u8"],
  ["pad", "u8"],
]);

export const EVENT = recordLayout("opensnoop_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["uid", "u32"],
  ["ret", "s32"],
  ["flags", "u32"],
  ["mode", "u32"],
  ["syscall", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["comm", { array: "char", len: 16 }],
  ["path", { array: "char", len: PATH_MAX_COPY }],
]);

/** What each slot of the `lost` counters means (lib/syscall-pair.bpf.h). */
export const LOST_WORDS = pairLostWords("opens");

export const SYSCALLS = ["open", "openat", "openat2"] as const;

export interface OpensnoopConfig {
  /** Only this process; 0: every process. */
  pid: number;
  /** Only this thread; 0: every thread. */
  tid: number;
  /** Only this uid; undefined: every uid. */
  uid?: number;
  /** Only opens with one of these flag bits set; 0: every open. */
  flagsMask: number;
  failed: boolean;
  /** A cgroup v2 directory: only tasks under it. */
  cgroup?: string;
}

/** The bytes of `const volatile struct opensnoop_config cfg`. Pure. */
export function configBytes(c: OpensnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt32LE(c.tid, CONFIG.off.tid);
  b.writeUInt32LE(c.uid ?? 0, CONFIG.off.uid);
  b.writeUInt32LE(c.flagsMask >>> 0, CONFIG.off.flags_mask);
  b.writeUInt8(c.uid === undefined ? 0 : 1, CONFIG.off.filter_uid);
  b.writeUInt8(c.failed ? 1 : 0, CONFIG.off.failed);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}

/** One open: ts (CLOCK_MONOTONIC ns at its return), pid, tid, uid, ret (the fd or -errno),
 * flags, mode, syscall, comm, path. */
export type OpenEvent = ReturnType<typeof decodeEvent>;

/** One ring-buffer record. Pure. */
export const decodeEvent = namedDecoder(EVENT, "syscall", SYSCALLS, "openat");

// open(2)'s flag bits (asm-generic/fcntl.h; arm64 moves four of them, as its fcntl.h says).
const GENERIC: Record<string, number> = {
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  O_ASYNC: 0o20000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  O_SYNC: 0o4010000,
  O_PATH: 0o10000000,
  O_TMPFILE: 0o20200000,
};
const ARM64: Record<string, number> = {
  O_DIRECTORY: 0o40000,
  O_NOFOLLOW: 0o100000,
  O_DIRECT: 0o200000,
  O_LARGEFILE: 0o400000,
  O_TMPFILE: 0o20040000,
};

/** The open flag bits of this machine's architecture, by name. */
export function openFlags(arch = process.arch): Record<string, number> {
  return arch === "arm64" ? { ...GENERIC, ...ARM64 } : GENERIC;
}

/** bcc's -f: flag names (O_WRONLY, or WRONLY) → the mask of their bits. Pure. */
export function flagsMask(names: readonly string[], arch = process.arch): number {
  const table = openFlags(arch);
  let mask = 0;
  for (const raw of names) {
    const name = raw.toUpperCase().startsWith("O_") ? raw.toUpperCase() : `O_${raw.toUpperCase()}`;
    const bits = table[name];
    if (bits === undefined) {
      const hint = name === "O_RDONLY" ? " (O_RDONLY is 0: no bit to test)" : "";
      throw new UsageError(`-f: unknown open flag '${raw}'${hint}; one of ${Object.keys(table).join(", ")}`);
    }
    mask |= bits;
  }
  return mask >>> 0;
}
