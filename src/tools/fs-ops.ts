// What fsdist and fsslower share (kernel/lib/fsops.bpf.h): the file operations they time
// at the syscall layer, the syscalls of each, the tracepoint programs of a tool for the
// syscalls this kernel has, and bcc's -t (a filesystem type, as the kernel names it in
// /proc/filesystems and in each superblock's s_type->name).
import { readFileSync } from "node:fs";
import { type Flag, textFlag } from "../command/args.js";
import { InputError, UsageError } from "../errors.js";

/** The operations by their number in the kernel (FS_READ = 0, ...), as bcc names them. */
export const FS_OPS = ["read", "write", "open", "fsync"] as const;
export type FsOp = (typeof FS_OPS)[number];

/** fsslower's T column (bcc's file_op letters). */
export const FS_OP_LETTERS = ["R", "W", "O", "F"] as const;

/** The syscalls FSOP_PROGRAMS hooks, in its order. */
export const FS_SYSCALLS = [
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
  "open",
  "openat",
  "openat2",
  "creat",
  "fsync",
  "fdatasync",
] as const;

/** The kernel's FSTYPE_LEN (a NUL-terminated name). */
export const FSTYPE_LEN = 16;

/** Of `syscalls`, those with a syscalls:sys_enter_ tracepoint here (arm64 has no open). */
export function syscallsTraced<T extends string>(syscalls: readonly T[], events: readonly string[]): T[] {
  const have = new Set(events);
  return syscalls.filter((s) => have.has(`sys_enter_${s}`));
}

/** `tool`'s programs for `syscalls`: every exit first (an entry seen is then seen returning). Pure. */
export function fsopPrograms(tool: string, syscalls: readonly string[]): string[] {
  return [...syscalls.map((s) => `${tool}_exit_${s}`), ...syscalls.map((s) => `${tool}_enter_${s}`)];
}

/** The filesystem types this kernel knows ("ext4", "tmpfs", "pipefs", ...): /proc/filesystems. */
export function knownFsTypes(text = readFileSync("/proc/filesystems", "utf8")): string[] {
  return text
    .split("\n")
    .map((l) => l.split("\t").at(-1)!.trim())
    .filter((n) => n !== "");
}

/** -t: a filesystem type this kernel knows; undefined: every type. */
export function checkFsType(
  name: string | undefined,
  known: () => string[] = knownFsTypes,
): string | undefined {
  if (name === undefined) return undefined;
  if (name === "" || Buffer.byteLength(name) >= FSTYPE_LEN || /[\s/]/.test(name))
    throw new UsageError(`-t must be a filesystem type name (ext4, xfs, tmpfs...), got '${name}'`);
  if (!known().includes(name))
    throw new InputError(`-t ${name}: not a filesystem type of this kernel (see /proc/filesystems)`);
  return name;
}

/** bcc's -t, --type. */
export const fsTypeFlag: Flag<string | undefined> = textFlag({
  long: "type",
  short: "t",
  arg: "FSTYPE",
  help: "only files of this filesystem type (ext4, xfs, btrfs, nfs, tmpfs...; default: every type)",
});

/** The NUL-padded bytes of a type name for a `char fstype[FSTYPE_LEN]` config field. */
export function fsTypeBytes(name: string | undefined): Buffer {
  const b = Buffer.alloc(FSTYPE_LEN);
  if (name) b.write(name, "utf8");
  return b;
}
