// The Sample record: one sampled thread in one sampling round. Both sources (proc, bpf)
// produce it; every consumer (tables, files, UI) reads only this. Field names are the
// column names of the file schema (lower-case xcapture v3 names plus tsnap's own).

/**
 * Thread states. RUN = on CPU, RUNQ = runnable but waiting for a CPU (bpf only), DISK =
 * uninterruptible sleep (D: disk I/O, and locks or waits the kernel does not let signals
 * break), VFORK = in D only because its vfork child has not exec'd or exited yet (not
 * waiting for a disk). The bpf source also names the rarer kernel states (WAKING, NEW,
 * FROZEN, RTLOCK); a combination of kernel state bits it cannot name is shown raw, as
 * 0x.tools does ("0x80"). docs/states.md has the full table.
 */
export const STATES = [
  "RUN",
  "RUNQ",
  "DISK",
  "VFORK",
  "SLEEP",
  "STOPPED",
  "TRACED",
  "ZOMBIE",
  "DEAD",
  "IDLE",
  "PARKED",
  "WAKING",
  "NEW",
  "FROZEN",
  "RTLOCK",
  "UNKNOWN",
] as const;
export type ThreadState = (typeof STATES)[number] | `0x${string}`;

/**
 * States that count as "active" (shown without -a): on CPU, queued for one, or in D
 * (VFORK is D too: it counts in the load average and 0x.tools shows it as active).
 */
export const ACTIVE_STATES: ReadonlySet<ThreadState> = new Set<ThreadState>(["RUN", "RUNQ", "DISK", "VFORK"]);

const CLONE_VFORK = 0x4000n;

/**
 * The state of a thread in D refined by its syscall: a parent blocked in vfork, in
 * clone(CLONE_VFORK, ...) or in clone3 (posix_spawn's way; its flags are behind a
 * pointer, and clone3 only sleeps uninterruptibly for a vfork child) is VFORK, not DISK.
 */
export function refineDState(state: ThreadState, syscall: string, arg1: bigint | null): ThreadState {
  if (state !== "DISK") return state;
  if (syscall === "vfork" || syscall === "clone3") return "VFORK";
  if (syscall === "clone" && arg1 !== null && (arg1 & CLONE_VFORK) !== 0n) return "VFORK";
  return state;
}

/** The syscall column when the thread is on CPU in user space (as psn and /proc print it). */
export const SYSCALL_RUNNING = "[running]";
/** The syscall column when the thread is not in a syscall and not running (or unknown). */
export const SYSCALL_NONE = "-";

export interface Sample {
  /** Sampling time, microseconds since the Unix epoch. */
  timestamp: number;
  /** How much wall time this sample stands for, µs (1e6 / hz). */
  weight_us: number;
  tid: number;
  tgid: number;
  ppid: number | null;
  pidns: number | null;
  cgroup_id: number | null;
  state: ThreadState;
  /** CPU the thread last ran on. */
  cpu: number | null;
  username: string | null;
  exe: string | null;
  comm: string;
  cmdline: string | null;
  /** Syscall name, SYSCALL_RUNNING, or SYSCALL_NONE. */
  syscall: string;
  syscall_nr: number | null;
  /** The syscall's name while the thread is inside it (as `syscall`), else SYSCALL_NONE. */
  syscall_active: string;
  /** Entry time of the current syscall, ns (CLOCK_MONOTONIC), bpf only. */
  sysc_entry_ns: number | null;
  sysc_ns_so_far: number | null;
  sysc_seq_num: number | null;
  iorq_seq_num: number | null;
  /** Syscall arguments (unsigned 64-bit), null when unknown. */
  sysc_args: bigint[] | null;
  filename: string | null;
  connection: string | null;
  conn_state: string | null;
  wchan: string | null;
  /** Kernel stack frames, leaf first, joined by ";" (proc source; bpf uses the hash). */
  kstack: string | null;
  kstack_hash: bigint | null;
  /** User stack frames, leaf first, joined by ";" (bpf; module`symbol+0xoff). */
  ustack: string | null;
  ustack_hash: bigint | null;
  cgroup: string | null;
  /** Cumulative CPU time of the thread, clock ticks (from stat). */
  utime: number | null;
  stime: number | null;
  /** Cumulative I/O bytes of the thread (from io). */
  read_bytes: number | null;
  write_bytes: number | null;
}

/** A Sample with every optional column empty; sources fill in what they read. */
export function blankSample(timestamp: number, weight_us: number, tid: number, tgid: number): Sample {
  return {
    timestamp,
    weight_us,
    tid,
    tgid,
    ppid: null,
    pidns: null,
    cgroup_id: null,
    state: "UNKNOWN",
    cpu: null,
    username: null,
    exe: null,
    comm: "",
    cmdline: null,
    syscall: SYSCALL_NONE,
    syscall_nr: null,
    syscall_active: SYSCALL_NONE,
    sysc_entry_ns: null,
    sysc_ns_so_far: null,
    sysc_seq_num: null,
    iorq_seq_num: null,
    sysc_args: null,
    filename: null,
    connection: null,
    conn_state: null,
    wchan: null,
    kstack: null,
    kstack_hash: null,
    ustack: null,
    ustack_hash: null,
    cgroup: null,
    utime: null,
    stime: null,
    read_bytes: null,
    write_bytes: null,
  };
}

/** Completion of a syscall that a sample saw (xcapture v3 SYSC_END). */
export interface SyscallEnd {
  tid: number;
  tgid: number;
  syscall: string;
  duration_ns: number;
  ret: bigint;
  sysc_seq_num: number;
  /** Entry time, ns since the Unix epoch. */
  enter_time_ns: bigint;
}

/** Completion of a block I/O that a sample saw (xcapture v3 IORQ_END). */
export interface IoEnd {
  insert_tid: number;
  insert_tgid: number;
  issue_tid: number;
  issue_tgid: number;
  complete_tid: number;
  complete_tgid: number;
  dev_maj: number;
  dev_min: number;
  /** Start sector; null for a request without one (a flush). */
  sector: bigint | null;
  bytes: number;
  iorq_flags: number;
  iorq_seq_num: number;
  /** Insert to complete. */
  duration_ns: number;
  /** Issue to complete. */
  service_ns: number;
  /** Insert to issue. */
  queued_ns: number;
  /** Issue time, ns since the Unix epoch. */
  issue_time_ns: bigint;
  error: number;
}

/** A stack seen for the first time: its hash and frames (leaf first). */
export interface StackEntry {
  kind: "kernel" | "user";
  hash: bigint;
  frames: string[];
}
