// Syscall number → name for the architectures tsnap runs on, and the syscalls whose first
// argument is a file descriptor. The tables are generated from the kernel UAPI headers and
// tracefs by scripts/gen-syscall-tables.mjs; this file only looks them up.
import { FD_ARG_SYSCALL_NAMES } from "./syscall-fd-args.js";
import { SYSCALL_NAMES_AARCH64 } from "./syscall-names-aarch64.js";
import { SYSCALL_NAMES_X86_64 } from "./syscall-names-x86_64.js";

/** Tables by architecture name as Node's process.arch spells it. */
const TABLES: Readonly<Record<string, readonly (string | null)[]>> = {
  x64: SYSCALL_NAMES_X86_64,
  arm64: SYSCALL_NAMES_AARCH64,
};

/** Architectures with a table ("x64", "arm64"). */
export const SYSCALL_ARCHES: readonly string[] = Object.keys(TABLES);

/** The kernel's spelling (uname -m) is accepted too: x86_64, aarch64. */
const ALIASES: Readonly<Record<string, string>> = { x86_64: "x64", aarch64: "arm64" };

function tableFor(arch: string): readonly (string | null)[] | undefined {
  const key = Object.hasOwn(ALIASES, arch) ? ALIASES[arch] : arch;
  return Object.hasOwn(TABLES, key) ? TABLES[key] : undefined;
}

/**
 * The name of syscall `nr` on `arch` ("x64", "arm64" as process.arch spells them, or
 * "x86_64", "aarch64"), e.g. 0 → "read"
 * on x64. Numbers without a name (unassigned, newer than the headers the table came from,
 * or an architecture without a table) give `syscall_<nr>`.
 */
export function syscallName(nr: number, arch: string = process.arch): string {
  const table = tableFor(arch);
  const name = table && Number.isInteger(nr) && nr >= 0 ? table[nr] : undefined;
  return name ?? `syscall_${nr}`;
}

/**
 * The number of syscall `name` on `arch`, or undefined when the table has no such name.
 * Tracepoint names that differ from the header names are understood too: newfstat → fstat,
 * newuname → uname, sendfile64 → sendfile (tracefs names events after the kernel function).
 */
export function syscallNumber(name: string, arch: string = process.arch): number | undefined {
  const table = tableFor(arch);
  if (!table) return undefined;
  for (const candidate of [name, name.replace(/^new/, ""), name.replace(/64$/, "")]) {
    const nr = table.indexOf(candidate);
    if (nr >= 0) return nr;
  }
  return undefined;
}

/**
 * Syscall names whose FIRST argument is a file descriptor (read, write, pread64, ioctl,
 * fstat, epoll_wait, splice, ...), so arg1 can be resolved through /proc/PID/fd. Directory
 * fds (openat's dfd, often AT_FDCWD) are not included. Both the header name and the
 * tracepoint name are present where they differ (fstat/newfstat, sendfile/sendfile64).
 */
export const FD_ARG_SYSCALLS: ReadonlySet<string> = new Set(FD_ARG_SYSCALL_NAMES);
