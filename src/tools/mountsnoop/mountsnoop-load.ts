// Loads mountsnoop.bpf.o with its config and attaches the entry and exit tracepoints of
// mount and umount2 (syscall-pair-load.ts); the records arrive in a ring buffer. The only
// module of the tool that touches libbpf, imported when the command runs.
import type { SnoopSource } from "../snoop-tool.js";
import { loadSyscallPair } from "../syscall-pair-load.js";
import { configBytes, type MountsnoopConfig, SYSCALLS } from "./mountsnoop-records.js";

export function loadMountsnoop(config: MountsnoopConfig): SnoopSource {
  return loadSyscallPair("mountsnoop", SYSCALLS, configBytes(config));
}
