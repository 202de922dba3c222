// The one declaration of every binary layout shared by the kernel programs and TypeScript:
// the read-only config, the task-iterator records and the ring-buffer completion records.
// Offsets are derived here with C's alignment rules; the C header
// (src/bpf/kernel/sampler-records.h) is generated from this file (`cHeader()`, checked by
// records.test.ts), and the decoders read fields through the derived offsets. No offset is
// written by hand anywhere else.

export type Scalar = "u8" | "u16" | "u32" | "s32" | "u64" | "s64";
export type FieldType = Scalar | { array: Scalar | "char"; len: number };

const SIZES: Record<Scalar | "char", number> = { u8: 1, char: 1, u16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };
const C_NAMES: Record<Scalar | "char", string> = {
  u8: "__u8",
  char: "char",
  u16: "__u16",
  u32: "__u32",
  s32: "__s32",
  u64: "__u64",
  s64: "__s64",
};

export interface Layout<F extends string> {
  /** C struct name (without "struct"). */
  name: string;
  size: number;
  /** Byte offset of each field. */
  off: Readonly<Record<F, number>>;
  fields: readonly (readonly [F, FieldType])[];
}

function elem(t: FieldType): Scalar | "char" {
  return typeof t === "string" ? t : t.array;
}

/** Lays out fields as a C compiler does (natural alignment, tail padding to the largest). */
export function layout<const F extends string>(
  name: string,
  fields: readonly (readonly [F, FieldType])[],
): Layout<F> {
  let off = 0;
  let maxAlign = 1;
  const offsets = {} as Record<F, number>;
  for (const [fname, t] of fields) {
    const a = SIZES[elem(t)];
    maxAlign = Math.max(maxAlign, a);
    off = Math.ceil(off / a) * a;
    offsets[fname] = off;
    off += typeof t === "string" ? a : a * t.len;
  }
  return { name, size: Math.ceil(off / maxAlign) * maxAlign, off: offsets, fields };
}

/** Record kinds: the first u32 of every record; the second is the record's size. */
export const REC_TASK = 1;
export const REC_STACK = 2;
export const REC_ROUND_END = 3;
export const REC_SYSC_END = 4;
export const REC_IORQ_END = 5;
export const REC_ROUND_START = 6;

/** Bits of task_rec.flags. */
export const TF_IN_SYSCALL = 1; // tracked by sys_enter (entry time and seq known)
export const TF_SYSC_FROM_REGS = 2; // syscall nr read from the task's saved registers
export const TF_KTHREAD = 4;
export const TF_IORQ_INFLIGHT = 8;

/** Bits of round_end_rec.flags. */
export const RF_INCOMPLETE = 1; // some records of the round did not fit in the ring

export const MAX_FRAMES = 64;
export const FILENAME_LEN = 64;
export const NR_SYSCALL_SLOTS = 512;

/** Read-only config, set before load (`const volatile struct tsnap_config cfg`). */
export const CONFIG = layout("tsnap_config", [
  ["self_tgid", "u32"],
  ["filter_pids", "u8"], // 1: only tgids present in the pid_filter map
  ["all_tasks", "u8"], // 0: only RUN/RUNQ/DISK
  ["want_kstack", "u8"],
  ["want_ustack", "u8"],
  ["want_filename", "u8"],
  ["track_syscalls", "u8"],
  ["track_iorq", "u8"],
  ["want_args", "u8"],
  ["fd_syscalls", { array: "u8", len: NR_SYSCALL_SLOTS }],
  // tsnap's own tgid, counted (never emitted) at each in-kernel sampling instant when it
  // is on a CPU or runnable: the perturbation the clock could not avoid.
  ["count_tgid", "u32"],
  // 1: the clock reads threads queued on its CPU during its walk as runnable, as found
  // (TSNAP_CLOCK_AS_FOUND=1, for comparisons), not as the sleep they were woken from.
  ["as_found", "u8"],
] as const);

/** One thread, emitted by the task iterator. */
export const TASK_REC = layout("task_rec", [
  ["kind", "u32"],
  ["size", "u32"],
  ["tid", "u32"],
  ["tgid", "u32"],
  ["ppid", "u32"],
  ["state", "u32"], // task->__state
  ["exit_state", "u32"],
  ["task_flags", "u32"], // task->flags (PF_*)
  ["on_cpu", "u32"],
  ["cpu", "u32"],
  ["pidns", "u32"],
  ["uid", "u32"],
  ["flags", "u32"], // TF_*
  ["sysc_nr", "s32"],
  ["cgroup_id", "u64"],
  ["utime_ns", "u64"],
  ["stime_ns", "u64"],
  ["sysc_entry_ns", "u64"], // CLOCK_MONOTONIC
  ["sysc_ns_so_far", "u64"],
  ["sysc_seq", "u64"],
  ["iorq_seq", "u64"],
  ["args", { array: "u64", len: 6 }],
  ["kstack_hash", "u64"],
  ["ustack_hash", "u64"],
  ["comm", { array: "char", len: 16 }],
  ["filename", { array: "char", len: FILENAME_LEN }],
] as const);

/** A stack seen for the first time: its hash and frames (leaf first). */
export const STACK_REC = layout("stack_rec", [
  ["kind", "u32"],
  ["size", "u32"],
  ["hash", "u64"],
  ["user", "u32"],
  ["nframes", "u32"],
  ["frames", { array: "u64", len: MAX_FRAMES }],
] as const);

/** First record of a round taken by the in-kernel clock (ring buffer `rounds`). */
export const ROUND_START_REC = layout("round_start_rec", [
  ["kind", "u32"],
  ["size", "u32"],
  ["seq", "u64"], // firings of the clock since attach, including rounds it had to skip
  ["ktime_ns", "u64"], // the sampling instant, CLOCK_MONOTONIC
  ["due_ns", "u64"], // when the round was due (its dithered slot's tick), CLOCK_MONOTONIC
  ["period", "u64"], // index of the period it belongs to (0: the first after start)
  // The taking CPU's tick on its own grid: due_ns, unless the due CPU did not tick (its vCPU
  // held, or the program skipped there) and the next tick of another CPU took the round.
  ["tick_ns", "u64"],
] as const);

/**
 * The clock's state (array map `clock_state`, one entry). User space sets the tick and the
 * ticks per period before attaching; the kernel sets origin and seed at its first tick.
 * Period k spans ticks k*ticks..k*ticks+ticks-1 from origin; its round is taken at tick
 * dither_tick(seed, k) % ticks of it (records.ts ditherTick and sampler.bpf.c agree).
 */
export const CLOCK_STATE = layout("clock_state", [
  ["tick_ns", "u64"], // the cpu-clock event's period
  ["ticks", "u64"], // ticks per sampling period
  ["origin_ns", "u64"], // CLOCK_MONOTONIC of the first tick; 0 until it came
  ["seed", "u64"], // bpf_get_prandom_u32() at the first tick
  ["next_period", "u64"], // the first period whose round is not taken yet
  ["cpus", "u64"], // CPUs the clock ticks on, their ticks interleaved: ticks * cpus slots a period
] as const);

/**
 * The tick of period k (0..ticks-1) at which its round is taken: a 32-bit hash of the seed
 * and k (murmur3's finaliser), so that user space knows every future instant without
 * asking, and the instants follow no period a workload or the host could be in phase with.
 * Period 0 takes tick `first` (rank 0's second tick: 1, or the number of CPUs when
 * their ticks interleave): the first row comes at once (user space polls for the origin,
 * set at the first tick), from a CPU whose grid is known (another CPU's may not be yet).
 */
export function ditherTick(seed: number, k: number, ticks: number, first = 1): number {
  if (k === 0) return ticks > first ? first : 0;
  let x = (seed ^ Math.imul(k >>> 0, 0x9e3779b9)) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x = (x ^ (x >>> 13)) >>> 0;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x % ticks;
}

/** Last record of a round (iterator pass or clock round): what the kernel visited. */
export const ROUND_END_REC = layout("round_end_rec", [
  ["kind", "u32"],
  ["size", "u32"],
  ["visited", "u32"], // threads that passed the pid filter (own threads never count)
  ["emitted", "u32"], // task records written
  ["ktime_ns", "u64"],
  ["seq", "u64"], // clock rounds: the round_start_rec's seq
  ["self_oncpu", "u32"], // threads of count_tgid on a CPU at the instant
  ["self_runnable", "u32"], // threads of count_tgid runnable, waiting for a CPU
  ["flags", "u32"], // RF_*
  ["woken_late", "u32"], // clock rounds: threads queued on the clock's CPU after the instant
  ["walk_ns", "u64"], // clock rounds: the walk over all threads held the clock's CPU this long
] as const);

/** Completion of a syscall a sample saw (ring buffer). */
export const SYSC_END_REC = layout("sysc_end_rec", [
  ["kind", "u32"],
  ["size", "u32"],
  ["tid", "u32"],
  ["tgid", "u32"],
  ["nr", "s32"],
  ["pad0", "u32"],
  ["seq", "u64"],
  ["enter_ns", "u64"],
  ["duration_ns", "u64"],
  ["ret", "s64"],
] as const);

/** Completion of a block I/O a sample saw (ring buffer). */
export const IORQ_END_REC = layout("iorq_end_rec", [
  ["kind", "u32"],
  ["size", "u32"],
  ["insert_tid", "u32"],
  ["insert_tgid", "u32"],
  ["issue_tid", "u32"],
  ["issue_tgid", "u32"],
  ["complete_tid", "u32"],
  ["complete_tgid", "u32"],
  ["dev", "u32"], // kernel dev_t: major << 20 | minor
  ["bytes", "u32"],
  ["cmd_flags", "u32"],
  ["error", "s32"],
  ["sector", "u64"],
  ["seq", "u64"],
  ["insert_ns", "u64"],
  ["issue_ns", "u64"],
  ["complete_ns", "u64"],
] as const);

export const ALL_LAYOUTS: readonly Layout<string>[] = [
  CONFIG,
  TASK_REC,
  STACK_REC,
  ROUND_START_REC,
  ROUND_END_REC,
  SYSC_END_REC,
  IORQ_END_REC,
  CLOCK_STATE,
];

const CONSTANTS: Record<string, number> = {
  REC_TASK,
  REC_STACK,
  REC_ROUND_END,
  REC_SYSC_END,
  REC_IORQ_END,
  REC_ROUND_START,
  RF_INCOMPLETE,
  TF_IN_SYSCALL,
  TF_SYSC_FROM_REGS,
  TF_KTHREAD,
  TF_IORQ_INFLIGHT,
  MAX_FRAMES,
  FILENAME_LEN,
  NR_SYSCALL_SLOTS,
};

/** The C header the kernel programs include; generated, never edited by hand. */
export function cHeader(): string {
  const out: string[] = [
    "/* Generated from src/sources/bpf/records.ts by `node dist/src/sources/bpf/gen-header.js`. */",
    "/* Do not edit: change records.ts and regenerate (records.test.ts checks they agree). */",
    "#ifndef TSNAP_SAMPLER_RECORDS_H",
    "#define TSNAP_SAMPLER_RECORDS_H",
    "",
  ];
  for (const [k, v] of Object.entries(CONSTANTS)) out.push(`#define ${k} ${v}`);
  for (const l of ALL_LAYOUTS) {
    out.push("", `struct ${l.name} {`);
    for (const [f, t] of l.fields) {
      const suffix = typeof t === "string" ? "" : `[${t.len}]`;
      out.push(`\t${C_NAMES[elem(t)]} ${f}${suffix}; /* offset ${l.off[f]} */`);
    }
    out.push("};", `_Static_assert(sizeof(struct ${l.name}) == ${l.size}, "${l.name} size");`);
  }
  out.push("", "#endif", "");
  return out.join("\n");
}

/** NUL-terminated C string at `off` (at most `len` bytes), UTF-8 (a bad or cut sequence as U+FFFD). */
export function cString(buf: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && buf[end] !== 0) end++;
  return buf.toString("utf8", off, end);
}
