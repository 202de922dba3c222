// Loading BPF programs needs root here (CAP_BPF and CAP_PERFMON): said once, before any
// load, in the same words by every command and source that loads them. Imports no libbpf,
// so a command checks it before importing its loader.
import { NotSupported } from "../errors.js";

export const BPF_PRIVILEGE = "needs root (CAP_BPF and CAP_PERFMON)";

/** NotSupported(`what`) unless this process runs as root. */
export function requireBpfPrivilege(what: string): void {
  if (process.getuid?.() !== 0) throw new NotSupported(what, BPF_PRIVILEGE);
}
