// The one interface both sources implement. A sampler takes one round at a time; the
// loop that paces rounds (sampler/loop.ts) is shared and source-agnostic.
import type { IoEnd, Sample, StackEntry, SyscallEnd } from "../model/sample.js";

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
}

export interface SamplerStats {
  rounds: number;
  /** Threads that exited while being read (skipped, not an error). */
  vanished: number;
  /** Reads refused for lack of permission, by file kind. */
  denied: Record<string, number>;
  /** Events the kernel side had to drop (bpf ring buffer full). */
  lost: number;
}

export interface Sampler {
  readonly source: SourceName;
  /** Take one round now. */
  round(): RoundResult;
  stats(): SamplerStats;
  /** Release every fd, map and link. Safe to call twice. */
  close(): void;
}
