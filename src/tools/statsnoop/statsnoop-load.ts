// Loads statsnoop.bpf.o with its config and attaches the entry and exit tracepoints of the
// stat-family syscalls this kernel has (syscall-pair-load.ts); the records arrive in a ring
// buffer. The only module of the tool that touches libbpf, imported when the command runs.
import type { SnoopSource } from "../snoop-tool.js";
import { loadSyscallPair } from "../syscall-pair-load.js";
import { configBytes, type StatsnoopConfig, SYSCALLS } from "./statsnoop-records.js";

export function loadStatsnoop(config: StatsnoopConfig): SnoopSource {
  return loadSyscallPair("statsnoop", SYSCALLS, configBytes(config));
}
