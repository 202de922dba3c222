// The layouts vfsstat.bpf.c shares with user space: its read-only config, the slots of its
// `counts` array (STATS, in the kernel's order) and the syscalls it hooks. Offsets by C's
// rules (records.ts:layout); the C struct must match (sizes checked at load).
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("vfsstat_config", [
  ["tgid", "u32"],
  ["pad", "u32"],
]);

/** The kinds counted, in the order of the `counts` slots and of the columns. */
export const STATS = ["READ", "WRITE", "FSYNC", "OPEN", "CREATE", "UNLINK", "MKDIR", "RMDIR"] as const;
export type Stat = (typeof STATS)[number];

/** Calls of each kind since attach (or between two reads). */
export type StatCounts = Record<Stat, number>;

/** The syscalls with an exit program (vfsstat_exit_<name>). */
export const EXIT_SYSCALLS = [
  "read",
  "pread64",
  "readv",
  "preadv",
  "preadv2",
  "write",
  "pwrite64",
  "writev",
  "pwritev",
  "pwritev2",
  "fsync",
  "fdatasync",
  "open",
  "openat",
  "openat2",
  "creat",
  "mknod",
  "mknodat",
  "unlink",
  "unlinkat",
  "mkdir",
  "mkdirat",
  "rmdir",
] as const;

/** The syscalls whose kind depends on an argument, with an entry program too (vfsstat_enter_<name>). */
export const ENTER_SYSCALLS = ["open", "openat", "openat2", "unlinkat"] as const;

export interface VfsstatConfig {
  /** Only this process; 0: every process (libbpf-tools' only view). */
  pid: number;
}

/** The bytes of `const volatile struct vfsstat_config cfg`. Pure. */
export function configBytes(c: VfsstatConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  return b;
}

/**
 * The programs to load for the syscalls this kernel has a tracepoint for (`events`:
 * the names under events/syscalls; arm64 has no open, creat, mkdir...): every exit first,
 * so an entry seen is then seen returning. Pure.
 */
export function vfsstatPrograms(events: readonly string[]): string[] {
  const have = new Set(events);
  const exits = EXIT_SYSCALLS.filter((s) => have.has(`sys_exit_${s}`));
  const enters = ENTER_SYSCALLS.filter((s) => have.has(`sys_enter_${s}`) && have.has(`sys_exit_${s}`));
  return [...exits.map((s) => `vfsstat_exit_${s}`), ...enters.map((s) => `vfsstat_enter_${s}`)];
}
