// The names inside build/bpf/sampler.bpf.o (src/bpf/kernel/sampler.bpf.c and its
// sampler/*.bpf.h), declared once: every program per hook and flavour, the iterators, the
// clock, the maps and the extra read-only section. Nothing else spells them, and no name
// is built by joining strings; load.test.ts checks this table and the object agree both
// ways (every name here is in the object with the section it says, every program of the
// object is here).

/** The two ways a hook attaches (lib/hooks.bpf.h emits both from one body). */
export type HookFlavour = "tp_btf" | "raw_tp";

/** Hooks that keep per-thread state (syscall in progress, block I/O in flight). */
export const TRACKING_HOOKS = ["sys_enter", "sys_exit", "rq_insert", "rq_issue", "rq_complete"] as const;
/** Hooks the run-queue latency histogram needs. */
export const RQ_HOOKS = ["sched_wakeup", "sched_wakeup_new", "sched_switch"] as const;
export type Hook = (typeof TRACKING_HOOKS)[number] | (typeof RQ_HOOKS)[number];

interface HookDecl {
  /** The tracepoint both programs attach to. */
  tracepoint: string;
  /** The program of each flavour. */
  tp_btf: string;
  raw_tp: string;
}

export const HOOKS: Readonly<Record<Hook, HookDecl>> = {
  sys_enter: { tracepoint: "sys_enter", tp_btf: "tp_btf_sys_enter", raw_tp: "raw_tp_sys_enter" },
  sys_exit: { tracepoint: "sys_exit", tp_btf: "tp_btf_sys_exit", raw_tp: "raw_tp_sys_exit" },
  rq_insert: { tracepoint: "block_rq_insert", tp_btf: "tp_btf_rq_insert", raw_tp: "raw_tp_rq_insert" },
  rq_issue: { tracepoint: "block_rq_issue", tp_btf: "tp_btf_rq_issue", raw_tp: "raw_tp_rq_issue" },
  rq_complete: {
    tracepoint: "block_rq_complete",
    tp_btf: "tp_btf_rq_complete",
    raw_tp: "raw_tp_rq_complete",
  },
  sched_wakeup: { tracepoint: "sched_wakeup", tp_btf: "tp_btf_sched_wakeup", raw_tp: "raw_tp_sched_wakeup" },
  sched_wakeup_new: {
    tracepoint: "sched_wakeup_new",
    tp_btf: "tp_btf_sched_wakeup_new",
    raw_tp: "raw_tp_sched_wakeup_new",
  },
  sched_switch: { tracepoint: "sched_switch", tp_btf: "tp_btf_sched_switch", raw_tp: "raw_tp_sched_switch" },
};

/** Programs that are not hooks, with their sections. */
export const PROGRAMS = {
  /** The task iterator (user-clocked rounds). */
  iter: { name: "dump_tasks", section: "iter/task" },
  /** Its sleepable twin: may read user memory (user stacks). */
  iterUstack: { name: "dump_tasks_ustack", section: "iter.s/task" },
  /** The in-kernel sampling clock. */
  clock: { name: "sample_clock", section: "perf_event" },
} as const;

/** The object's maps. */
export const MAPS = {
  taskTrack: "task_track",
  iorqTrack: "iorq_track",
  pidFilter: "pid_filter",
  /** Completions (sysc_end_rec, iorq_end_rec). */
  events: "events",
  /** u64 counters; [COUNTER_EVENTS_LOST] completions the events ring could not hold. */
  counters: "counters",
  knownStacks: "known_stacks",
  scratch: "scratch",
  /** The clock's rounds, and rounds it could not deliver. */
  rounds: "rounds",
  clockLost: "clock_lost",
  /** The clock's origin and dither seed, written once by user space (kernel-clock.ts). */
  clockState: "clock_state",
  /** CPU id → the grid0 of that CPU's ticks (the kernel's; instants are predicted from them). */
  clockGrids: "clock_grids",
  /** Rank → CPU id of the clock's CPUs (written by user space before the clock starts). */
  clockRanks: "clock_ranks",
  scHist: "sc_hist",
  ioHist: "io_hist",
  /** Run-queue waits per process: the kernel counts into rq_hist_<rq_epoch[0]> (latency-hists.ts). */
  rqHist0: "rq_hist_0",
  rqHist1: "rq_hist_1",
  rqEpoch: "rq_epoch",
  rqStart: "rq_start",
} as const;

/** Slot of `counters` where lib/ringbuf.bpf.h counts completions lost (tracking.bpf.h). */
export const COUNTER_EVENTS_LOST = 0;

/** `.rodata.hist`: which latency histograms are on (latency-hists.ts). */
export const HIST_CONFIG_SECTION = ".rodata.hist";

/** The program of `hook` in `flavour`. */
export function hookProgram(hook: Hook, flavour: HookFlavour): string {
  return HOOKS[hook][flavour];
}
