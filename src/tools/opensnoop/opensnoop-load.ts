// Loads opensnoop.bpf.o with its config and attaches the entry and exit tracepoints of
// open, openat and openat2 (those this kernel has: syscall-pair-load.ts); the records
// arrive in a ring buffer. The only module of the tool that touches libbpf, imported when
// the command runs.
import type { SnoopSource } from "../snoop-tool.js";
import { loadSyscallPair } from "../syscall-pair-load.js";
import { configBytes, type OpensnoopConfig, SYSCALLS } from "./opensnoop-records.js";

/** `ringBytes`: the ring's size instead of the object's 16 MiB (a power of two of pages;
 * the loss test makes it tiny). */
export function loadOpensnoop(config: OpensnoopConfig, ringBytes?: number): SnoopSource {
  return loadSyscallPair("opensnoop", SYSCALLS, configBytes(config), config.cgroup, ringBytes);
}
