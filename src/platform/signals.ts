// Signal numbers in words, as glibc's strsignal(3) says them (Linux numbering, x86-64 and
// arm64 alike): exitsnoop's "signal 11 (Segmentation fault)". Pure.

const DESCRIPTIONS = [
  "",
  "Hangup",
  "Interrupt",
  "Quit",
  "Illegal instruction",
  "Trace/breakpoint trap",
  "Aborted",
  "Bus error",
  "Floating point exception",
  "Killed",
  "User defined signal 1",
  "Segmentation fault",
  "User defined signal 2",
  "Broken pipe",
  "Alarm clock",
  "Terminated",
  "Stack fault",
  "Child exited",
  "Continued",
  "Stopped (signal)",
  "Stopped",
  "Stopped (tty input)",
  "Stopped (tty output)",
  "Urgent I/O condition",
  "CPU time limit exceeded",
  "File size limit exceeded",
  "Virtual timer expired",
  "Profiling timer expired",
  "Window changed",
  "I/O possible",
  "Power failure",
  "Bad system call",
];

/** glibc's SIGRTMIN (32 and 33 are the threads library's own). */
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** strsignal(n): "Segmentation fault", "Real-time signal 2", "Unknown signal 99". */
export function strsignal(n: number): string {
  if (n >= 1 && n < DESCRIPTIONS.length) return DESCRIPTIONS[n];
  if (n >= SIGRTMIN && n <= SIGRTMAX) return `Real-time signal ${n - SIGRTMIN}`;
  return `Unknown signal ${n}`;
}
