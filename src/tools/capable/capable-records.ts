// The layouts capable.bpf.c shares with user space (its read-only config and the record of
// one check), and the capabilities' names (linux/capability.h). Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load); the decoder is
// derived from the layout.
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("capable_config", [
  ["tgid", "u32"],
  ["self", "u32"],
  ["filter_cg", "u8"],
  ["unique", "u8"],
  ["pad", { array: "u8", len: 6 }],
]);

export const EVENT = recordLayout("capable_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["uid", "u32"],
  ["cap", "s32"],
  ["ret", "s32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
]);

export const LOST_RING = 0;
export const LOST_WORDS = { ring: "checks lost: the ring buffer was full" };

/** -u: each capability listed once per process, or once per cgroup. */
export const UNIQUE = ["off", "pid", "cgroup"] as const;
export type Unique = (typeof UNIQUE)[number];

/** Capability numbers → names (include/uapi/linux/capability.h). */
export const CAP_NAMES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
] as const;

/** A capability's name; "?" past the table (a newer kernel's). Pure. */
export function capName(cap: number): string {
  return CAP_NAMES[cap] ?? "?";
}

export interface CapableConfig {
  pid: number;
  self: number;
  cgroup: string | undefined;
  unique: Unique;
}

/** The bytes of `const volatile struct capable_config cfg`. Pure. */
export function configBytes(c: CapableConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt32LE(c.self, CONFIG.off.self);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  b.writeUInt8(UNIQUE.indexOf(c.unique), CONFIG.off.unique);
  return b;
}

export interface CapCheck {
  ts: bigint;
  pid: number;
  tid: number;
  uid: number;
  cap: number;
  /** 0: allowed; -errno: denied. */
  ret: number;
  comm: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): CapCheck {
  const { pad: _pad, ...e } = EVENT.decode(buf, off);
  return e;
}
