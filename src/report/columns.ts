// The columns `tsnap top` can group by: name, one-line description, what the source must
// read for it, and how to get its value from a Sample. One table; --list prints it.
import { UsageError } from "../errors.js";
import { derivedColumn, frameName, timeBucketUs } from "../model/derived-columns.js";
import type { Sample } from "../model/sample.js";
import type { Need } from "../model/sampler.js";
import { hexText } from "../platform/values.js";
import { hashHex } from "../store/stack-hash.js";

export type CellValue = string | number | null;

export interface Column {
  name: string;
  description: string;
  needs: readonly Need[];
  /** Only the bpf source fills it. */
  bpfOnly?: boolean;
  /** A time bucket (time_5s ...): its width in µs; rows sort by it, avg_threads is per bucket. */
  bucketUs?: number;
  get(s: Sample): CellValue;
}

/**
 * A stack for display: leaf first (where the thread is, then who called it), offsets
 * dropped, frames joined by "<-". A cut of a long cell then drops root frames, never the leaf.
 */
export function stackDisplay(leafFirst: string | null): string | null {
  if (leafFirst === null || leafFirst === "") return null;
  return leafFirst.split(";").map(frameName).join("<-");
}

/** A column computed the same way live and in history (model/derived-columns.ts). */
function derived(name: string): Column {
  const d = derivedColumn(name);
  return {
    name: d.name,
    description: d.description,
    needs: d.needs,
    ...(d.bpfOnly ? { bpfOnly: true } : {}),
    get: d.live,
  };
}

export const COLUMNS: readonly Column[] = [
  { name: "pid", description: "process ID (thread group ID)", needs: [], get: (s) => s.tgid },
  { name: "tid", description: "thread ID", needs: [], get: (s) => s.tid },
  { name: "ppid", description: "parent process ID", needs: [], get: (s) => s.ppid },
  { name: "comm", description: "thread name", needs: [], get: (s) => s.comm },
  derived("comm2"),
  {
    name: "state",
    description: "RUN, RUNQ (bpf), DISK, SLEEP, STOPPED, ZOMBIE, IDLE, ...",
    needs: [],
    get: (s) => s.state,
  },
  { name: "cpu", description: "CPU the thread last ran on", needs: [], get: (s) => s.cpu },
  {
    name: "syscall",
    description: "syscall in progress, [running] on CPU in user space, - for none",
    needs: ["syscall"],
    get: (s) => s.syscall,
  },
  { name: "syscall_nr", description: "syscall number", needs: ["syscall"], get: (s) => s.syscall_nr },
  {
    name: "arg1",
    description: "first syscall argument (hex)",
    needs: ["syscall"],
    get: (s) => hexText(s.sysc_args?.[0], "0x"),
  },
  {
    name: "wchan",
    description: "kernel function the thread waits in",
    needs: ["wchan"],
    get: (s) => s.wchan,
  },
  {
    name: "filename",
    description: "file of the fd argument of the current syscall",
    needs: ["filename"],
    get: (s) => s.filename,
  },
  derived("filenamesum"),
  {
    name: "kstack",
    description: "kernel stack, leaf first, frames joined by <- (root; /proc/PID/task/TID/stack or bpf)",
    needs: ["kstack"],
    get: (s) => stackDisplay(s.kstack),
  },
  derived("kstack_current_func"),
  {
    name: "ustack",
    description: "user stack, leaf first, frames module`function (frame pointers; root)",
    needs: ["ustack"],
    bpfOnly: true,
    get: (s) => stackDisplay(s.ustack),
  },
  derived("ustack_current_func"),
  { name: "exe", description: "executable, full path", needs: ["exe"], get: (s) => s.exe },
  derived("exe_name"),
  { name: "cmdline", description: "process command line", needs: ["cmdline"], get: (s) => s.cmdline },
  { name: "username", description: "user name of the real uid", needs: ["username"], get: (s) => s.username },
  {
    name: "pidns",
    description: "PID inside the innermost PID namespace (proc) or namespace id (bpf)",
    needs: ["pidns"],
    get: (s) => s.pidns,
  },
  {
    name: "cgroup",
    description: "cgroup path (v2, else first non-root v1)",
    needs: ["cgroup"],
    get: (s) => s.cgroup,
  },
  {
    name: "cgroup_id",
    description: "cgroup v2 id",
    needs: ["cgroup"],
    bpfOnly: true,
    get: (s) => s.cgroup_id,
  },
  {
    name: "sysc_ns_so_far",
    description: "ns spent so far in the current syscall",
    needs: ["syscall"],
    bpfOnly: true,
    get: (s) => s.sysc_ns_so_far,
  },
  {
    name: "kstack_hash",
    description: "hash of the kernel stack (as in capture files)",
    needs: ["kstack"],
    bpfOnly: true,
    get: (s) => (s.kstack_hash === null ? null : hashHex(s.kstack_hash)),
  },
  {
    name: "ustack_hash",
    description: "hash of the user stack (as in capture files)",
    needs: ["ustack"],
    bpfOnly: true,
    get: (s) => (s.ustack_hash === null ? null : hashHex(s.ustack_hash)),
  },
];

const BY_NAME = new Map(COLUMNS.map((c) => [c.name, c]));

/** time_<N>s|m|h: the sample's time rounded down to N seconds/minutes/hours (UTC). */
export function timeBucketColumn(name: string): Column | null {
  const us = timeBucketUs(name);
  if (us === null) return null;
  return {
    name,
    description: "time bucket",
    needs: [],
    bucketUs: us,
    get: (s) => bucketLabel(Math.floor(s.timestamp / us) * us),
  };
}

/** "2026-12-01 18:30:05" (UTC): sorts as text in time order. */
export function bucketLabel(us: number): string {
  return new Date(us / 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** Looks up group columns by name; an unknown name is a UsageError that lists close ones. */
export function resolveColumns(names: readonly string[]): Column[] {
  return names.map((name) => {
    const col = BY_NAME.get(name.toLowerCase()) ?? timeBucketColumn(name.toLowerCase());
    if (!col) {
      const near = COLUMNS.filter((c) => c.name.includes(name) || name.includes(c.name)).map((c) => c.name);
      const hint = near.length ? `; did you mean ${near.join(", ")}?` : "";
      throw new UsageError(`unknown column '${name}'${hint} (tsnap top --list shows them all)`);
    }
    return col;
  });
}

/** What a source must read to fill these columns. */
export function needsOf(columns: readonly Column[]): Set<Need> {
  const needs = new Set<Need>();
  for (const c of columns) for (const n of c.needs) needs.add(n);
  return needs;
}
