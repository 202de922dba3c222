// The bpf source: the kernel reads every thread's state in one pass per round, either at
// instants of its own clock (kernel-clock.ts: a perf_event program, rounds collected in
// batches) or when user space asks (round(): the task iterator); tp_btf (or raw_tp) hooks
// keep the syscall in progress and the block I/O in flight per thread; completions of
// what a sample saw arrive through a ring buffer.
import { accessSync, closeSync, constants, readFileSync } from "node:fs";
import { IterReader } from "../../bpf/iter.js";
import { kernelSymbols } from "../../bpf/kallsyms.js";
import { setPrint } from "../../bpf/libbpf.js";
import { mapUpdate } from "../../bpf/maps.js";
import { BpfError, type Link } from "../../bpf/object.js";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { openCpuClock } from "../../bpf/probes.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import { InputError, NotSupported } from "../../errors.js";
import {
  ACTIVE_STATES,
  blankSample,
  refineDState,
  type Sample,
  type StackEntry,
  SYSCALL_NONE,
  SYSCALL_RUNNING,
} from "../../model/sample.js";
import {
  type RoundResult,
  type Sampler,
  type SamplerOptions,
  type SamplerStats,
  zeroStats,
} from "../../model/sampler.js";
import { syscallName } from "../../platform/syscall-table.js";
import { ProcessInfoCache } from "../proc/process-info.js";
import { decodeCompletion, splitStream, taskState } from "./decode.js";
import { BpfKernelClock, type RoundSink } from "./kernel-clock.js";
import { LatencyHistograms } from "./latency-hists.js";
import { type LoadedSampler, loadSampler } from "./load.js";
import {
  cString,
  FILENAME_LEN,
  STACK_REC,
  TASK_REC,
  TF_IN_SYSCALL,
  TF_IORQ_INFLIGHT,
  TF_KTHREAD,
  TF_SYSC_FROM_REGS,
} from "./records.js";
import { COUNTER_EVENTS_LOST, MAPS, PROGRAMS } from "./sampler-object.js";
import { StackDictionary } from "./stacks.js";

const T = TASK_REC.off;
const NS_PER_TICK = 1e7; // USER_HZ = 100

/** An unsigned 64-bit field as a Number, without a BigInt (exact below 2^53). */
function u64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 4294967296;
}

/** A 64-bit hash field as a bigint, or null when zero (no stack). */
function hash64(buf: Buffer, off: number): bigint | null {
  return buf.readUInt32LE(off) === 0 && buf.readUInt32LE(off + 4) === 0 ? null : buf.readBigUInt64LE(off);
}

/** Checks that need no kernel calls; each failure is one NotSupported line. */
function preflight(): void {
  if (process.platform !== "linux") throw new NotSupported("bpf source", "needs Linux");
  requireBpfPrivilege("bpf source");
  try {
    accessSync("/sys/kernel/btf/vmlinux", constants.R_OK);
  } catch {
    throw new NotSupported("bpf source", "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
  }
}

export async function openBpfSampler(opts: SamplerOptions): Promise<Sampler> {
  preflight();
  // libbpf's log (verifier output included) with `verbose` or TSNAP_VERBOSE=1.
  const verbose = opts.verbose === true || process.env.TSNAP_VERBOSE === "1";
  setPrint(verbose ? (_level, line) => process.stderr.write(line) : null);
  const needs = opts.needs;
  const pids = opts.pids && opts.pids.size > 0 ? [...opts.pids] : null;
  const loaded = loadSampler(
    {
      selfTgid: opts.excludeSelf === false ? 0 : process.pid,
      countTgid: process.pid,
      // TSNAP_CLOCK=user: rounds from user space, as before the kernel clock (comparisons).
      clockRingBytes: opts.userClock || process.env.TSNAP_CLOCK === "user" ? null : clockRingBytes(opts),
      // TSNAP_CLOCK_AS_FOUND=1: without the clock's correction for its own walk (comparisons).
      asFound: process.env.TSNAP_CLOCK_AS_FOUND === "1",
      // A thread-name filter runs here, in user space: it needs every thread to count them.
      all: opts.all || opts.comm !== undefined,
      pids,
      kstack: needs.has("kstack") || needs.has("wchan"),
      ustack: needs.has("ustack"),
      filename: needs.has("filename"),
      args: needs.has("syscall"),
    },
    undefined,
    opts.tracking === false ? "none" : undefined,
  );
  // Symbols are read now, not in the first round, so rounds keep their schedule.
  if (needs.has("kstack") || needs.has("wchan")) kernelSymbols();
  try {
    return new BpfSampler(opts, loaded, pids);
  } catch (err) {
    loaded.coll.close();
    throw err;
  }
}

/** Bytes the clock's ring must hold: a batch of rounds plus two, with room to spare. */
function clockRingBytes(opts: SamplerOptions): number {
  let threads = 1000;
  try {
    // "0.10 0.20 0.30 2/615 1234": runnable/total threads on the machine
    threads = Number(/\/(\d+)/.exec(readFileSync("/proc/loadavg", "latin1"))?.[1] ?? threads);
  } catch {
    // keep the guess
  }
  const perThread =
    TASK_REC.size + 8 + (opts.needs.has("kstack") || opts.needs.has("wchan") ? STACK_REC.size + 8 : 0);
  const rounds = (opts.batchRounds ?? Math.max(1, Math.ceil(opts.hz / 4))) + 2;
  const share = opts.all || opts.comm !== undefined ? 1 : 0.5;
  return threads * perThread * rounds * share * 2;
}

export class BpfSampler implements Sampler {
  readonly source = "bpf" as const;
  readonly kernelClock: BpfKernelClock | null;
  /** Which hooks keep per-thread state: tp_btf, raw_tp, or none (iterator only). */
  readonly hooks: string;
  private readonly iterLink: Link;
  private readonly reader: IterReader;
  private readonly ring: RingBuffer;
  private readonly stacks: StackDictionary;
  private readonly processes = new ProcessInfoCache();
  private readonly weightUs: number;
  private readonly want: {
    args: boolean;
    filename: boolean;
    kstack: boolean;
    ustack: boolean;
    wchan: boolean;
    process: boolean;
  };
  /** The current round's new stacks (user stacks join it when a sample first uses them). */
  private newStacks: StackEntry[] = [];
  /** ns since the epoch minus CLOCK_MONOTONIC ns. */
  private readonly epochOffsetNs: bigint;
  private readonly st: SamplerStats = zeroStats();
  /** Threads that matched the comm filter in the round being decoded. */
  private commMatched = 0;
  private closed = false;

  constructor(
    private readonly opts: SamplerOptions,
    private readonly loaded: LoadedSampler,
    pids: number[] | null,
  ) {
    const coll = loaded.coll;
    this.hooks = loaded.spec.flavour;
    if (pids !== null) fillPidFilter(coll.mapFd(MAPS.pidFilter), coll.mapMaxEntries(MAPS.pidFilter), pids);
    this.iterLink = attachIter(loaded, pids);
    this.reader = new IterReader(this.iterLink);
    this.ring = coll.ringBuffer(MAPS.events, { map: MAPS.counters, index: COUNTER_EVENTS_LOST });
    this.stacks = new StackDictionary(coll.mapFd(MAPS.knownStacks));
    this.weightUs = Math.round(1e6 / opts.hz);
    const n = opts.needs;
    this.want = {
      args: n.has("syscall") || n.has("filename"),
      filename: n.has("filename"),
      kstack: n.has("kstack"),
      ustack: n.has("ustack"),
      wchan: n.has("wchan"),
      process: n.has("username") || n.has("cmdline") || n.has("cgroup") || n.has("exe"),
    };
    this.epochOffsetNs =
      BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) - process.hrtime.bigint();
    this.kernelClock = loaded.spec.clock === null ? null : this.openClock(loaded.spec.clock);
    if (loaded.spec.clock === null && opts.needs.has("ustack") && !opts.userClock && opts.notice) {
      opts.notice(
        "tsnap: user stacks need the sleepable task iterator: rounds are taken from user space, so tsnap holds a CPU at every sampling instant (see the footer)",
      );
    }
    if (loaded.unexpected !== null) opts.notice?.(`tsnap: bpf source: ${loaded.unexpected}`);
    if (loaded.fallbacks.length > 0 && opts.notice) {
      const what = [
        this.hooks === "none" ? "without syscall and I/O tracking" : `with ${this.hooks} hooks`,
        loaded.spec.iter === PROGRAMS.iter.name && opts.needs.has("ustack") ? "no user stacks" : "",
        loaded.spec.clock === null && !opts.needs.has("ustack")
          ? "rounds from user space (no in-kernel clock)"
          : "",
      ].filter((x) => x !== "");
      opts.notice(`tsnap: bpf source running ${what.join(", ")} (${loaded.fallbacks[0]})`);
    }
  }

  /** The in-kernel clock, or null (with a notice) when this kernel cannot open its event. */
  private openClock(program: string): BpfKernelClock | null {
    try {
      // The perf event is opened for real at start(); a trial now finds a refusal early.
      closeSync(openCpuClock(0, 0, 1e9 / this.opts.hz));
    } catch (err) {
      this.opts.notice?.(
        `tsnap: bpf source taking rounds from user space: no cpu-clock perf event for the in-kernel clock (${(err as Error).message})`,
      );
      return null;
    }
    return this.loaded.coll.own(new BpfKernelClock(this.loaded.coll, program, this.opts.hz, this.sink()));
  }

  /** How the kernel clock hands records back: decoded by this sampler's own methods. */
  private sink(): RoundSink {
    return {
      task: (buf, off, ts) => this.toSample(buf, off, ts),
      stack: (buf, off, out) => this.stacks.learn(buf, off, out),
      startRound: () => {
        this.st.rounds++;
        this.commMatched = 0;
        this.processes.startRound();
      },
      commSeen: () => (this.opts.comm ? this.commMatched : null),
      completions: () => {
        const done = { syscallEnds: [], ioEnds: [] } as Pick<RoundResult, "syscallEnds" | "ioEnds">;
        this.ring.drain((b, off, n) => decodeCompletion(b, off, n, this.toEpoch, done));
        return done;
      },
      monoToEpochUs: (ns) => Number((ns + this.epochOffsetNs) / 1000n),
    };
  }

  private readonly toEpoch = (mono: bigint) => mono + this.epochOffsetNs;

  /** One round now, read through the task iterator from user space (the user clock). */
  round(): RoundResult {
    if (this.closed) throw new Error("bpf sampler is closed");
    this.st.rounds++;
    this.commMatched = 0;
    const timestamp = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const { buf, len } = this.reader.read();
    const stream = splitStream(buf, len);
    const newStacks: StackEntry[] = [];
    this.newStacks = newStacks;
    for (const off of stream.stacks) this.stacks.learn(buf, off, newStacks);
    this.processes.startRound();
    const samples: Sample[] = [];
    for (const off of stream.tasks) {
      const s = this.toSample(buf, off, timestamp);
      if (s !== null) samples.push(s);
    }
    const done = { syscallEnds: [], ioEnds: [] } as Pick<RoundResult, "syscallEnds" | "ioEnds">;
    this.ring.drain((b, off, n) => decodeCompletion(b, off, n, this.toEpoch, done));
    return {
      timestamp,
      samples,
      threadsSeen: this.opts.comm ? this.commMatched : (stream.visited ?? stream.tasks.length),
      syscallEnds: done.syscallEnds,
      ioEnds: done.ioEnds,
      newStacks,
    };
  }

  private toSample(buf: Buffer, o: number, timestamp: number): Sample | null {
    const comm = cString(buf, o + T.comm, 16);
    if (this.opts.comm && !this.opts.comm.test(comm)) return null;
    this.commMatched++;
    const tgid = buf.readUInt32LE(o + T.tgid);
    const s = blankSample(timestamp, this.weightUs, buf.readUInt32LE(o + T.tid), tgid);
    s.comm = comm;
    s.state = taskState(
      buf.readUInt32LE(o + T.state),
      buf.readUInt32LE(o + T.exit_state),
      buf.readUInt32LE(o + T.on_cpu),
    );
    if (!this.opts.all && !ACTIVE_STATES.has(s.state)) return null; // raced with a state change
    s.ppid = buf.readUInt32LE(o + T.ppid);
    s.cpu = buf.readUInt32LE(o + T.cpu);
    s.pidns = buf.readUInt32LE(o + T.pidns) || null;
    s.cgroup_id = u64(buf, o + T.cgroup_id) || null;
    s.utime = Math.floor(u64(buf, o + T.utime_ns) / NS_PER_TICK);
    s.stime = Math.floor(u64(buf, o + T.stime_ns) / NS_PER_TICK);
    const flags = buf.readUInt32LE(o + T.flags);
    s.sysc_seq_num = u64(buf, o + T.sysc_seq) || null;
    if (flags & (TF_IN_SYSCALL | TF_SYSC_FROM_REGS)) {
      const nr = buf.readInt32LE(o + T.sysc_nr);
      s.syscall_nr = nr;
      s.syscall = syscallName(nr);
      s.syscall_active = s.syscall;
      s.state = refineDState(s.state, s.syscall, buf.readBigUInt64LE(o + T.args));
      if (this.want.args) {
        const args: bigint[] = [];
        for (let i = 0; i < 6; i++) args.push(buf.readBigUInt64LE(o + T.args + 8 * i));
        s.sysc_args = args;
      }
      if (flags & TF_IN_SYSCALL) {
        s.sysc_entry_ns = u64(buf, o + T.sysc_entry_ns);
        s.sysc_ns_so_far = u64(buf, o + T.sysc_ns_so_far);
      }
      if (this.want.filename && buf[o + T.filename] !== 0) {
        // The kernel record carries only the last path component; /proc has the full path.
        const name = cString(buf, o + T.filename, FILENAME_LEN);
        s.filename = this.processes.fdPath(tgid, buf.readInt32LE(o + T.args), name) ?? name;
      }
    } else {
      s.syscall = s.state === "RUN" || s.state === "RUNQ" ? SYSCALL_RUNNING : SYSCALL_NONE;
    }
    if (flags & TF_IORQ_INFLIGHT) s.iorq_seq_num = u64(buf, o + T.iorq_seq);
    const kh = hash64(buf, o + T.kstack_hash);
    if (kh !== null) {
      s.kstack_hash = kh;
      const known = this.stacks.get(kh);
      if (known) {
        if (this.want.kstack) s.kstack = known.joined;
        if (this.want.wchan) s.wchan = known.wchan;
      } else {
        this.stacks.forget(kh); // its record was lost (iterator retry): the kernel re-sends it
      }
    }
    const uh = hash64(buf, o + T.ustack_hash);
    if (uh !== null) {
      s.ustack_hash = uh;
      const known = this.stacks.userStack(uh, tgid, this.newStacks);
      if (!known) this.stacks.forget(uh);
      else if (this.want.ustack) s.ustack = known.joined;
    }
    if (this.want.process) this.fillProcess(s, buf.readUInt32LE(o + T.uid), (flags & TF_KTHREAD) !== 0);
    return s;
  }

  /**
   * A kernel thread has no user image: its /proc/PID/cmdline reads empty and its exe link
   * does not resolve, so the kernel's flag answers both without a pread per round (with -a
   * about half the processes of a machine are kernel threads).
   */
  private fillProcess(s: Sample, uid: number, kthread: boolean): void {
    const needs = this.opts.needs;
    if (needs.has("username")) s.username = this.processes.userName(uid);
    if (needs.has("cmdline")) s.cmdline = kthread ? "" : this.processes.cmdline(s.tgid);
    if (needs.has("cgroup"))
      s.cgroup =
        s.cgroup_id !== null ? this.processes.cgroupPath(s.cgroup_id, s.tgid) : this.processes.cgroup(s.tgid);
    if (needs.has("exe")) s.exe = kthread ? null : this.processes.exe(s.tgid);
  }

  /** The in-kernel latency histograms of this sampler's hooks (null without hooks). */
  latencyHistograms(): LatencyHistograms | null {
    const h = this.loaded.spec.hists;
    if (this.closed || !(h.sc || h.io || h.rq)) return null;
    this.hists ??= this.loaded.coll.own(new LatencyHistograms(this.loaded.coll, h));
    return this.hists;
  }

  private hists: LatencyHistograms | undefined;

  /** The kernel id of the iterator program (for `bpftool prog show id N`; benchmarks). */
  iterProgramId(): number | null {
    return this.iterLink.programId();
  }

  stats(): SamplerStats {
    if (!this.closed) this.st.lost = this.ring.lost() + (this.kernelClock?.completionsDropped() ?? 0);
    const c = this.kernelClock?.counters;
    if (c) {
      this.st.roundsLost = this.kernelClock!.lostSoFar();
      this.st.roundsLate = this.kernelClock!.lateSoFar();
      this.st.perturbedRounds = c.perturbed;
      this.st.selfOnCpu = c.selfOnCpu;
      this.st.selfRunnable = c.selfRunnable;
    }
    return { ...this.st, denied: { ...this.st.denied } };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.loaded.coll.close(); // the clock, histograms, rings, links, then the object
    } finally {
      this.processes.close();
    }
  }
}

/** The iterator link: restricted to one process in the kernel when possible. */
function attachIter(loaded: LoadedSampler, pids: number[] | null): Link {
  if (pids !== null && pids.length === 1) {
    try {
      return loaded.coll.attachTaskIter(loaded.spec.iter, pids[0]);
    } catch {
      // kernels before 6.1 have no per-process task iterator: the pid_filter map does it
    }
  }
  return loaded.coll.attachTaskIter(loaded.spec.iter);
}

const E2BIG = 7;

/** The tgids -p names, into the kernel's filter map; more than it holds is an input error. */
function fillPidFilter(fd: number, capacity: number, pids: readonly number[]): void {
  const k = Buffer.alloc(4);
  const one = Buffer.from([1]);
  for (const p of pids) {
    k.writeUInt32LE(p);
    try {
      mapUpdate(fd, k, one);
    } catch (err) {
      if (err instanceof BpfError && err.errno === E2BIG)
        throw new InputError(
          `-p: the bpf source filters at most ${capacity} PIDs in the kernel, ${pids.length} given; name fewer, use a thread-name regex, or --source proc`,
          { cause: err },
        );
      throw err;
    }
  }
}
