// The one interface both sources implement. A sampler takes one round when asked
// (`round()`: the user-space clock, paced by sampler/loop.ts); a source that has an
// in-kernel clock (bpf) also offers `kernelClock`: the kernel takes the rounds at hz, at
// dithered instants known ahead, when tsnap is not running, and the loop collects them in
// batches in between.
import type { IoEnd, Sample, StackEntry, SyscallEnd } from "./sample.js";

export type SourceName = "proc" | "bpf";

/** Optional data a consumer needs; sources read only what is asked for. */
export type Need =
  | "syscall"
  | "wchan"
  | "kstack"
  | "ustack"
  | "username"
  | "cmdline"
  | "exe"
  | "cgroup"
  | "io"
  | "filename"
  | "ppid"
  | "pidns";

export interface SamplerOptions {
  /** Sampling rate; sets weight_us = 1e6 / hz. */
  hz: number;
  /** Include sleeping and other inactive threads (psn -a). */
  all: boolean;
  /** Only these process IDs (tgid), when given. */
  pids?: ReadonlySet<number>;
  /** Only processes whose comm matches, when given. */
  comm?: RegExp;
  /** Optional data to read beyond state, comm, tid/tgid. */
  needs: ReadonlySet<Need>;
  /** Leave this process's own threads out (default true). */
  excludeSelf?: boolean;
  /** Show the source's diagnostic log (bpf: libbpf's log, verifier output) on stderr. */
  verbose?: boolean;
  /** One-line notices (a source running with less than it could, e.g. no syscall tracking). */
  notice?: (line: string) => void;
  /** Rounds per batch the consumer collects at most (sizes the kernel clock's buffer). */
  batchRounds?: number;
  /** Take rounds from user space even where a kernel clock exists (comparisons, tests). */
  userClock?: boolean;
  /**
   * bpf: hook every syscall and block request machine-wide (completions, time in a
   * syscall, latency histograms). Default true; false for callers that need none of that
   * (check): the task iterator alone, which still names each thread's syscall and file.
   */
  tracking?: boolean;
}

export interface RoundResult {
  /** Time of the round, µs since the Unix epoch. */
  timestamp: number;
  samples: Sample[];
  /** Threads looked at in this round (after pid/comm filters, before the active filter). */
  threadsSeen: number;
  /** Completions seen since the last round (bpf only; empty for proc). */
  syscallEnds: SyscallEnd[];
  ioEnds: IoEnd[];
  /** Stacks seen for the first time since the sampler started. */
  newStacks: StackEntry[];
  /**
   * Threads of tsnap itself on a CPU or runnable at the sampling instant (the kernel
   * clock counts them; they are never in `samples`). Absent: not measured (user clock,
   * where tsnap's reading thread always holds a CPU while it reads).
   */
  selfActive?: number;
  /** Kernel clock: rounds due right before this one that were lost (ring buffer full). */
  lostBefore?: number;
  /** Kernel clock: rounds due right before this one that the clock did not take (late). */
  lateBefore?: number;
}

/**
 * An in-kernel sampling clock: rounds are taken by the kernel at hz and written where
 * user space collects them, at instants of its choosing between the sampling instants.
 */
export interface KernelClock {
  /** What takes the rounds, in words (footers, notices). */
  readonly what: string;
  readonly periodMs: number;
  /** Starts the clock (idempotent): the first round comes one period later. */
  start(): void;
  /**
   * Complete rounds the kernel took since the last call, oldest first. With a deadline
   * (performance.now() ms) it stops after the first round decoded past it; the rest wait.
   */
  collect(deadlineMs?: number): RoundResult[];
  /** True when rounds (or parts of one) wait to be collected. */
  pending(): boolean;
  /** performance.now() of the latest sampling instant collected, or of start(); null before. */
  lastInstantMs(): number | null;
  /** performance.now() ms at which period 0 starts (the kernel's first tick); null before. */
  originMs(): number | null;
  /**
   * The first sampling instant after `afterMs` (performance.now() ms): the instants are
   * dithered within their periods, and known ahead. Null until originMs() is known.
   */
  nextInstantMs(afterMs: number): number | null;
}

export interface SamplerStats {
  rounds: number;
  /** Threads that exited while being read (skipped, not an error). */
  vanished: number;
  /** Reads refused for lack of permission, by file kind. */
  denied: Record<string, number>;
  /** Events the kernel side had to drop (bpf ring buffer full). */
  lost: number;
  /** Kernel clock: rounds dropped because the ring was full when they were due. */
  roundsLost: number;
  /** Kernel clock: rounds due that the clock did not take in time (fired late, or blocked). */
  roundsLate: number;
  /** Kernel clock: rounds at whose instant a tsnap thread was on a CPU or runnable. */
  perturbedRounds: number;
  /** Kernel clock: tsnap threads on a CPU / runnable, summed over the rounds' instants. */
  selfOnCpu: number;
  selfRunnable: number;
}

/** Every counter at zero: where a sampler's stats start. */
export function zeroStats(): SamplerStats {
  return {
    rounds: 0,
    vanished: 0,
    denied: {},
    lost: 0,
    roundsLost: 0,
    roundsLate: 0,
    perturbedRounds: 0,
    selfOnCpu: 0,
    selfRunnable: 0,
  };
}

export interface Sampler {
  readonly source: SourceName;
  /** Take one round now, from user space (tsnap's own thread holds a CPU while it reads). */
  round(): RoundResult;
  /** The in-kernel clock, when this sampler has one (the loop then prefers it), else null. */
  readonly kernelClock: KernelClock | null;
  stats(): SamplerStats;
  /** Release every fd, map and link. Safe to call twice. */
  close(): void;
}
