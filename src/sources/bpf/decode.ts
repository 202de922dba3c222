// Pure decoding of the bytes the kernel side produces: the task-iterator stream (task,
// stack and round-end records) and the ring-buffer completions. Offsets come from the
// layouts in records.ts; no I/O here, so everything is testable on constructed buffers.
import type { IoEnd, SyscallEnd, ThreadState } from "../../model/sample.js";
import { syscallName } from "../../platform/syscall-table.js";
import {
  IORQ_END_REC,
  REC_IORQ_END,
  REC_ROUND_END,
  REC_STACK,
  REC_SYSC_END,
  REC_TASK,
  ROUND_END_REC,
  STACK_REC,
  SYSC_END_REC,
  TASK_REC,
} from "./records.js";

// Kernel task state bits (include/linux/sched.h); stable values since 5.14 (RTLOCK_WAIT
// 5.15, FREEZABLE/FROZEN 6.1). TASK_WAKEKILL (killable D, stopped) and TASK_FREEZABLE are
// modifiers and do not change the state's name.
const TASK_INTERRUPTIBLE = 0x1;
const TASK_UNINTERRUPTIBLE = 0x2;
const TASK_STOPPED = 0x4;
const TASK_TRACED = 0x8;
const EXIT_DEAD = 0x10;
const EXIT_ZOMBIE = 0x20;
const TASK_PARKED = 0x40;
const TASK_DEAD = 0x80;
const TASK_WAKEKILL = 0x100;
const TASK_WAKING = 0x200;
const TASK_NOLOAD = 0x400;
const TASK_NEW = 0x800;
const TASK_RTLOCK_WAIT = 0x1000;
const TASK_FREEZABLE = 0x2000;
const TASK_FREEZABLE_UNSAFE = 0x4000;
const TASK_FROZEN = 0x8000;
const MODIFIERS = TASK_WAKEKILL | TASK_FREEZABLE | TASK_FREEZABLE_UNSAFE;

/** The Sample state of a task from __state, exit_state and on_cpu; unnamed bits raw. */
export function taskState(state: number, exitState: number, onCpu: number): ThreadState {
  if (exitState & EXIT_ZOMBIE) return "ZOMBIE";
  if (exitState & EXIT_DEAD) return "DEAD";
  if (state === 0) return onCpu ? "RUN" : "RUNQ";
  switch (state & ~MODIFIERS) {
    case TASK_INTERRUPTIBLE:
      return "SLEEP";
    case TASK_UNINTERRUPTIBLE:
      return "DISK";
    case TASK_UNINTERRUPTIBLE | TASK_NOLOAD:
      return "IDLE";
    case TASK_STOPPED:
      return "STOPPED";
    case TASK_TRACED:
      return "TRACED";
    case TASK_PARKED:
      return "PARKED";
    case TASK_DEAD:
      return "DEAD";
    case TASK_WAKING:
      return "WAKING";
    case TASK_NEW:
    case TASK_NEW | TASK_UNINTERRUPTIBLE:
      return "NEW";
    case TASK_RTLOCK_WAIT:
      return "RTLOCK";
    case TASK_FROZEN:
      return "FROZEN";
    default:
      return `0x${state.toString(16)}`;
  }
}

/** Where the records of one iterator read are. */
export interface IterStream {
  /** Byte offsets of task records. */
  tasks: number[];
  /** Byte offsets of stack records. */
  stacks: number[];
  /** From the round-end record; null when the kernel could not write it. */
  visited: number | null;
}

/** Splits an iterator read into records by their kind/size header; unknown kinds are skipped. */
export function splitStream(buf: Buffer, len: number): IterStream {
  const out: IterStream = { tasks: [], stacks: [], visited: null };
  let off = 0;
  while (off + 8 <= len) {
    const kind = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    if (size < 8 || off + size > len) break;
    if (kind === REC_TASK && size === TASK_REC.size) out.tasks.push(off);
    else if (kind === REC_STACK && size === STACK_REC.size) out.stacks.push(off);
    else if (kind === REC_ROUND_END && size === ROUND_END_REC.size) {
      out.visited = buf.readUInt32LE(off + ROUND_END_REC.off.visited);
    }
    off += size;
  }
  return out;
}

export interface RawStack {
  hash: bigint;
  user: boolean;
  addrs: bigint[];
}

export function decodeStack(buf: Buffer, off: number): RawStack {
  const S = STACK_REC.off;
  const n = Math.min(buf.readUInt32LE(off + S.nframes), 64);
  const addrs: bigint[] = [];
  for (let i = 0; i < n; i++) addrs.push(buf.readBigUInt64LE(off + S.frames + i * 8));
  return { hash: buf.readBigUInt64LE(off + S.hash), user: buf.readUInt32LE(off + S.user) !== 0, addrs };
}

/** Converts CLOCK_MONOTONIC ns (bpf_ktime_get_ns) to ns since the epoch. */
/** The kernel's sector of a request that has none (a flush: `(sector_t)-1`). */
const NO_SECTOR = 0xffff_ffff_ffff_ffffn;
const sectorOf = (raw: bigint): bigint | null => (raw === NO_SECTOR ? null : raw);

export type MonoToEpoch = (monoNs: bigint) => bigint;

/** Decodes ring-buffer completion records into the model's SyscallEnd / IoEnd. */
export function decodeCompletion(
  buf: Buffer,
  off: number,
  len: number,
  toEpoch: MonoToEpoch,
  out: { syscallEnds: SyscallEnd[]; ioEnds: IoEnd[] },
): void {
  if (len < 8) return;
  const kind = buf.readUInt32LE(off);
  if (kind === REC_SYSC_END && len >= SYSC_END_REC.size) {
    const S = SYSC_END_REC.off;
    out.syscallEnds.push({
      tid: buf.readUInt32LE(off + S.tid),
      tgid: buf.readUInt32LE(off + S.tgid),
      syscall: syscallName(buf.readInt32LE(off + S.nr)),
      duration_ns: Number(buf.readBigUInt64LE(off + S.duration_ns)),
      ret: buf.readBigInt64LE(off + S.ret),
      sysc_seq_num: Number(buf.readBigUInt64LE(off + S.seq)),
      enter_time_ns: toEpoch(buf.readBigUInt64LE(off + S.enter_ns)),
    });
  } else if (kind === REC_IORQ_END && len >= IORQ_END_REC.size) {
    const I = IORQ_END_REC.off;
    const insert = buf.readBigUInt64LE(off + I.insert_ns);
    const issueRaw = buf.readBigUInt64LE(off + I.issue_ns);
    const issue = issueRaw === 0n ? insert : issueRaw;
    const complete = buf.readBigUInt64LE(off + I.complete_ns);
    const dev = buf.readUInt32LE(off + I.dev);
    out.ioEnds.push({
      insert_tid: buf.readUInt32LE(off + I.insert_tid),
      insert_tgid: buf.readUInt32LE(off + I.insert_tgid),
      issue_tid: buf.readUInt32LE(off + I.issue_tid),
      issue_tgid: buf.readUInt32LE(off + I.issue_tgid),
      complete_tid: buf.readUInt32LE(off + I.complete_tid),
      complete_tgid: buf.readUInt32LE(off + I.complete_tgid),
      dev_maj: dev >>> 20,
      dev_min: dev & 0xfffff,
      sector: sectorOf(buf.readBigUInt64LE(off + I.sector)),
      bytes: buf.readUInt32LE(off + I.bytes),
      iorq_flags: buf.readUInt32LE(off + I.cmd_flags),
      iorq_seq_num: Number(buf.readBigUInt64LE(off + I.seq)),
      duration_ns: Number(complete - insert),
      service_ns: Number(complete - issue),
      queued_ns: Number(issue - insert),
      issue_time_ns: toEpoch(issue),
      error: buf.readInt32LE(off + I.error),
    });
  }
}
