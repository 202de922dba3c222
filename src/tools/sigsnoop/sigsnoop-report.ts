// What sigsnoop and killsnoop print, in libbpf-tools' layout (sigsnoop.c: TIME, the
// sender's PID and COMM, SIG as a number or with -n a name, TPID, RESULT), or one NDJSON
// object. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { SignalEvent } from "./sigsnoop-records.js";

const NAMES = [
  "N/A",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/** -n's SIG column: the kernel's name of signals 1..31, N/A for 0 (kill's existence test), else the number. */
export function signalName(sig: number): string {
  return NAMES[sig] || String(sig);
}

export function header(): string {
  return `${"TIME".padEnd(8)} ${"PID".padEnd(7)} ${"COMM".padEnd(16)} ${"SIG".padEnd(9)} ${"TPID".padEnd(7)} ${"RESULT".padEnd(6)}\n`;
}

/** `at`: the wall time of the event; `names`: -n. */
export function line(e: SignalEvent, names: boolean, at: Date): string {
  const sig = names ? signalName(e.sig) : String(e.sig);
  return `${hhmmss(at).padEnd(8)} ${String(e.pid).padEnd(7)} ${e.comm.padEnd(16)} ${sig.padEnd(9)} ${String(e.tpid).padEnd(7)} ${String(e.ret).padEnd(6)}\n`;
}

/** One signal as an NDJSON line; `time` is the wall clock of the event. */
export function jsonLine(e: SignalEvent, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    sig: e.sig,
    tpid: e.tpid,
    ret: e.ret,
    source: e.source,
  })}\n`;
}
