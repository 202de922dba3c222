// The samples columns, declared once for every reader: the capture files' schema
// (store/schema.ts: name, type, doc, in file order), the live columns of `tsnap top`
// (report/columns.ts: a value from a Sample, what the source must read) and the history
// columns of `tsnap query` (query/columns.ts: SQL over `samples s`). A column stored in the
// files is read in history as `s.<name>`; a live-only column may give its history SQL.
// Computed columns (comm2, exe_name, ...) are in derived-columns.ts.
import { hashHex, hexText } from "../platform/values.js";
import { stackDisplay } from "./derived-columns.js";
import type { Sample } from "./sample.js";
import type { Need } from "./sampler.js";

/** DuckDB types used in the files. */
export type ColumnType = "TIMESTAMP" | "BIGINT" | "INTEGER" | "VARCHAR";

export type CellValue = string | number | null;

export interface SampleColumn {
  name: string;
  /** One description, shown by `top --list`, `query --columns` and docs/schema.md. */
  doc: string;
  /** Its type in the samples files; absent: not stored (computed from a Sample live). */
  stored?: ColumnType;
  /** Its value in a live row (`top`); absent: history only. */
  live?: (s: Sample) => CellValue;
  /** What a live source must read for it. */
  needs?: readonly Need[];
  /** Only the bpf source fills it. */
  bpfOnly?: boolean;
  /** History SQL of a column that is not stored under its name. */
  sql?: string;
}

const arg = (i: number): SampleColumn => ({
  name: `sysc_arg${i + 1}`,
  doc: `syscall argument ${i + 1}, hex`,
  stored: "VARCHAR",
});

export const SAMPLE_COLUMNS: readonly SampleColumn[] = [
  { name: "timestamp", doc: "round time, UTC, µs precision", stored: "TIMESTAMP" },
  { name: "weight_us", doc: "wall time the sample stands for (1e6 / hz)", stored: "BIGINT" },
  { name: "pid", doc: "process ID (thread group ID; tgid in the files)", live: (s) => s.tgid, sql: "s.tgid" },
  { name: "tid", doc: "thread id", stored: "BIGINT", live: (s) => s.tid },
  { name: "tgid", doc: "process id", stored: "BIGINT" },
  { name: "ppid", doc: "parent process id", stored: "BIGINT", live: (s) => s.ppid },
  {
    name: "pidns",
    doc: "pid namespace: the PID inside the innermost one (proc) or its inode (bpf)",
    stored: "BIGINT",
    needs: ["pidns"],
    live: (s) => s.pidns,
  },
  {
    name: "cgroup_id",
    doc: "cgroup v2 id (proc: 63-bit FNV-1a of the path); key of cgroups of the same hour",
    stored: "BIGINT",
    needs: ["cgroup"],
    bpfOnly: true,
    live: (s) => s.cgroup_id,
  },
  {
    name: "cgroup",
    doc: "cgroup path (v2, else first non-root v1)",
    needs: ["cgroup"],
    live: (s) => s.cgroup,
  },
  {
    name: "state",
    doc: "RUN, RUNQ (bpf), DISK, VFORK, SLEEP, STOPPED, ZOMBIE, IDLE, ... (docs/states.md)",
    stored: "VARCHAR",
    live: (s) => s.state,
  },
  { name: "cpu", doc: "CPU the thread last ran on", stored: "INTEGER", live: (s) => s.cpu },
  {
    name: "username",
    doc: "user name of the thread's real uid",
    stored: "VARCHAR",
    needs: ["username"],
    live: (s) => s.username,
  },
  {
    name: "exe",
    doc: "executable, full path (/proc/PID/exe; xcapture files: basename); exe_name is the basename",
    stored: "VARCHAR",
    needs: ["exe"],
    live: (s) => s.exe,
  },
  { name: "comm", doc: "thread name", stored: "VARCHAR", live: (s) => s.comm },
  {
    name: "cmdline",
    doc: "process command line, arguments joined by spaces (process titles included), first 64 KiB",
    stored: "VARCHAR",
    needs: ["cmdline"],
    live: (s) => s.cmdline,
  },
  {
    name: "syscall",
    doc: "syscall in progress, [running] on CPU in user space, - for none",
    stored: "VARCHAR",
    needs: ["syscall"],
    live: (s) => s.syscall,
  },
  { name: "syscall_nr", doc: "syscall number", needs: ["syscall"], live: (s) => s.syscall_nr },
  {
    name: "syscall_active",
    doc: "syscall name while inside it, else -",
    stored: "VARCHAR",
    needs: ["syscall"],
    live: (s) => s.syscall_active,
  },
  { name: "sysc_entry_ns", doc: "syscall entry time, CLOCK_MONOTONIC ns (bpf)", stored: "BIGINT" },
  {
    name: "sysc_ns_so_far",
    doc: "time spent in the current syscall so far, ns (bpf)",
    stored: "BIGINT",
    needs: ["syscall"],
    bpfOnly: true,
    live: (s) => s.sysc_ns_so_far,
  },
  { name: "sysc_seq_num", doc: "per-thread syscall sequence number; joins syscend (bpf)", stored: "BIGINT" },
  {
    name: "iorq_seq_num",
    doc: "per-thread block I/O sequence number; joins iorqend (bpf)",
    stored: "BIGINT",
  },
  {
    name: "arg1",
    doc: "first syscall argument (hex)",
    needs: ["syscall"],
    live: (s) => hexText(s.sysc_args?.[0], "0x"),
  },
  ...[0, 1, 2, 3, 4, 5].map(arg),
  {
    name: "filename",
    doc: "file of the fd argument of the current syscall",
    stored: "VARCHAR",
    needs: ["filename"],
    live: (s) => s.filename,
  },
  { name: "connection", doc: "socket endpoints the syscall works on", stored: "VARCHAR" },
  { name: "conn_state", doc: "TCP state of that socket", stored: "VARCHAR" },
  {
    name: "wchan",
    doc: "kernel function the thread waits in",
    stored: "VARCHAR",
    needs: ["wchan"],
    live: (s) => s.wchan,
  },
  {
    name: "kstack",
    doc: "kernel stack, leaf first, frames joined by <- (root; /proc/PID/task/TID/stack or bpf)",
    needs: ["kstack"],
    live: (s) => stackDisplay(s.kstack),
  },
  {
    name: "kstack_hash",
    doc: "kernel stack hash, 16 hex digits (proc: FNV-1a 64 of the frames text); key of kstacks of the same hour",
    stored: "VARCHAR",
    needs: ["kstack"],
    bpfOnly: true,
    live: (s) => (s.kstack_hash === null ? null : hashHex(s.kstack_hash)),
  },
  {
    name: "ustack",
    doc: "user stack, leaf first, frames module`function (frame pointers; root)",
    needs: ["ustack"],
    bpfOnly: true,
    live: (s) => stackDisplay(s.ustack),
  },
  {
    name: "ustack_hash",
    doc: "user stack hash, 16 hex digits; key of ustacks of the same hour",
    stored: "VARCHAR",
    needs: ["ustack"],
    bpfOnly: true,
    live: (s) => (s.ustack_hash === null ? null : hashHex(s.ustack_hash)),
  },
  { name: "utime", doc: "cumulative user CPU of the thread, clock ticks", stored: "BIGINT" },
  { name: "stime", doc: "cumulative system CPU of the thread, clock ticks", stored: "BIGINT" },
  { name: "read_bytes", doc: "cumulative bytes read by the thread", stored: "BIGINT" },
  { name: "write_bytes", doc: "cumulative bytes written by the thread", stored: "BIGINT" },
];
