// The bpf source's in-kernel sampling clock: a perf_event program on a software cpu-clock
// event of every CPU ticks `ticks` times per period and takes one round per period, at a
// tick chosen pseudo-randomly (dithered: records.ts ditherTick) among the ticks of all CPUs,
// interleaved (the next CPU's tick when that one's vCPU was not running), walking all threads with
// the open-coded task iterator in the kernel and writing the round into the `rounds` ring
// buffer without a wake-up. The instants are known here from the kernel's origin and seed
// (nextInstantMs), so user space wakes away from them. collect() drains the ring in place
// and reassembles the rounds: a round is delivered only when complete (start record,
// records, end record with the same seq); the gaps in seq are rounds lost (ring full),
// periods without a round beyond them rounds late.
import { closeSync } from "node:fs";
import type { Collection } from "../../bpf/collection.js";
import { mapLookup, mapUpdate } from "../../bpf/maps.js";
import type { Link } from "../../bpf/object.js";
import { openCpuClock } from "../../bpf/probes.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import type { Sample, StackEntry } from "../../model/sample.js";
import type { KernelClock, RoundResult } from "../../model/sampler.js";
import { formatCpuList, onlineCpus } from "../../platform/cpus.js";
import {
  CLOCK_STATE,
  ditherTick,
  REC_ROUND_END,
  REC_ROUND_START,
  REC_STACK,
  REC_TASK,
  RF_INCOMPLETE,
  ROUND_END_REC,
  ROUND_START_REC,
  STACK_REC,
  TASK_REC,
} from "./records.js";
import { MAPS } from "./sampler-object.js";

/** What the clock needs from the sampler: record decoding and the completions so far. */
/** Completions held at most while no round comes to carry them, per kind. */
const MAX_PENDING_ENDS = 100_000;

export interface RoundSink {
  /** A task record → a Sample (null when filtered out); counts comm matches itself. */
  task(buf: Buffer, off: number, timestampUs: number): Sample | null;
  /** A stack record; a stack not seen before is pushed to `out`. */
  stack(buf: Buffer, off: number, out: StackEntry[]): void;
  /** Called at a round's start: resets the per-round comm-match count. */
  startRound(): void;
  /** Threads that matched the comm filter this round, or null when there is none. */
  commSeen(): number | null;
  /** Completion records that arrived since the last call. */
  completions(): Pick<RoundResult, "syscallEnds" | "ioEnds">;
  /** CLOCK_MONOTONIC ns → µs since the epoch. */
  monoToEpochUs(ns: bigint): number;
}

/**
 * The clock's tick when the period allows (TSNAP_CLOCK_TICK_US overrides): the instant of
 * each round is one of period / tick ticks. Finer dithers better and costs more timer
 * interrupts on each clock CPU (200 a second each at 5 ms; bench/overhead.ts counts them).
 */
const TICK_NS = 5_000_000;

/** Ticks per period and the tick (ns) for a rate: ticks * tick is the period, within 1 ns per tick. */
export function clockTicks(hz: number, tickNs = tickFromEnv()): { ticks: number; tickNs: number } {
  const periodNs = 1e9 / hz;
  const ticks = Math.max(1, Math.round(periodNs / tickNs));
  return { ticks, tickNs: Math.round(periodNs / ticks) };
}

function tickFromEnv(): number {
  const us = process.env.TSNAP_CLOCK_TICK_US;
  return us !== undefined && /^\d+$/.test(us) && Number(us) >= 100 ? Number(us) * 1000 : TICK_NS;
}

interface Building {
  seq: number;
  ktimeNs: bigint;
  dueNs: bigint;
  tickNs: bigint;
  period: number;
  timestampUs: number;
  samples: Sample[];
}

export interface ClockCounters {
  lost: number;
  late: number;
  /** Of `late`: rounds taken too long after their slot, not delivered. */
  lateHeld: number;
  perturbed: number;
  selfOnCpu: number;
  selfRunnable: number;
  /** Delivered rounds; the time their walks held the clock's CPU (ns, summed); threads
   * queued on that CPU during the walks, read as the sleep they were woken from. */
  rounds: number;
  walkNs: number;
  wokenLate: number;
  /** Of `rounds`: taken by the next CPU's tick because the due CPU did not tick. */
  takenForHeld: number;
}

/**
 * The CPUs the clock ticks on: every online CPU, their ticks interleaved (a round is taken
 * at its slot's CPU), or those TSNAP_CLOCK_CPU lists (`0`, `0,1`; `all` is the default).
 * Instants of one CPU alone lean on a VM (docs/bpf-source.md).
 */
function clockCpus(): number[] {
  const online = onlineCpus().filter((c) => c < 4096); // clock_grids has 4096 entries
  const forced = process.env.TSNAP_CLOCK_CPU;
  if (forced !== undefined && /^\d+(,\d+)*$/.test(forced)) {
    const ok = forced
      .split(",")
      .map(Number)
      .filter((c) => online.includes(c));
    if (ok.length > 0) return ok;
  }
  return online;
}

export class BpfKernelClock implements KernelClock {
  readonly what: string;
  readonly periodMs: number;
  readonly counters: ClockCounters = {
    lost: 0,
    late: 0,
    lateHeld: 0,
    perturbed: 0,
    selfOnCpu: 0,
    selfRunnable: 0,
    rounds: 0,
    walkNs: 0,
    wokenLate: 0,
    takenForHeld: 0,
  };
  /** Ticks per period, and the tick in ns. */
  readonly ticks: number;
  readonly tickNs: number;
  private readonly ring: RingBuffer;
  private readonly lostFd: number;
  private readonly stateFd: number;
  private readonly cpus: number[];
  private links: Link[] = [];
  private startNs = 0n;
  private prevSeq = 0;
  private prevPeriod = -1;
  /** The kernel's grid origin (performance.now() ms) and seed, once it came. */
  private originMsCache: number | null = null;
  /** When the origin was last read: the kernel moves it to follow its timer's drift. */
  private originReadAt = Number.NEGATIVE_INFINITY;
  private seed = 0;
  /** Each clock CPU's grid by rank (performance.now() ms of a tick; read with the origin). */
  private gridsMs: (number | null)[] = [];
  private readonly gridsFd: number;
  private readonly ranksFd: number;
  /** A round taken more than this after its slot was held up: not delivered, late. */
  private readonly lateNs: bigint;
  private readonly halfSlotNs: bigint;
  /** Rounds lost or late (held up, not delivered) since the last delivered one. */
  private pendingLost = 0;
  private pendingLate = 0;
  private building: Building | null = null;
  /** Stacks learned from rounds that were not delivered: they go with the next one. */
  private carryStacks: StackEntry[] = [];
  private lastMs: number | null = null;
  /** Completions that arrived when no round did: they go with the next round. */
  private pendingEnds: Pick<RoundResult, "syscallEnds" | "ioEnds"> | null = null;
  /** Completions dropped because no round came to carry them (MAX_PENDING_ENDS). */
  private endsDropped = 0;
  /** performance.now() ms minus CLOCK_MONOTONIC ms. */
  private readonly perfOffsetMs: number;
  private closed = false;

  constructor(
    private readonly obj: Collection,
    private readonly program: string,
    hz: number,
    private readonly sink: RoundSink,
  ) {
    const { ticks, tickNs } = clockTicks(hz);
    this.ticks = ticks;
    this.tickNs = tickNs;
    this.periodMs = (ticks * tickNs) / 1e6;
    this.lateNs = BigInt(Math.round(Math.min(1e6, 1e9 / hz / 4)));
    this.cpus = clockCpus();
    this.halfSlotNs = BigInt(Math.floor(tickNs / this.cpus.length / 2));
    const where =
      this.cpus.length > 1 ? `CPUs ${formatCpuList(this.cpus)}, ticks interleaved` : `CPU ${this.cpus[0]}`;
    this.what = `in-kernel clock (perf_event cpu-clock on ${where}${ticks > 1 ? `, dithered over ${ticks} ticks` : ""})`;
    this.ring = obj.ringBuffer(MAPS.rounds);
    this.lostFd = obj.mapFd(MAPS.clockLost);
    this.stateFd = obj.mapFd(MAPS.clockState);
    this.gridsFd = obj.mapFd(MAPS.clockGrids);
    this.ranksFd = obj.mapFd(MAPS.clockRanks);
    this.perfOffsetMs = performance.now() - Number(process.hrtime.bigint()) / 1e6;
  }

  start(): void {
    if (this.links.length > 0 || this.closed) return;
    const st = Buffer.alloc(CLOCK_STATE.size);
    st.writeBigUInt64LE(BigInt(this.tickNs), CLOCK_STATE.off.tick_ns);
    st.writeBigUInt64LE(BigInt(this.ticks), CLOCK_STATE.off.ticks);
    st.writeBigUInt64LE(BigInt(this.cpus.length), CLOCK_STATE.off.cpus);
    mapUpdate(this.stateFd, Buffer.alloc(4), st);
    const rank = Buffer.alloc(4);
    const cpu = Buffer.alloc(4);
    this.cpus.forEach((c, i) => {
      rank.writeUInt32LE(i);
      cpu.writeUInt32LE(c);
      mapUpdate(this.ranksFd, rank, cpu);
    });
    // Interleaved: rank i's event starts i/cpus of a tick after rank 0's (its hrtimer keeps
    // that phase, or about: the call waits for that CPU), so that together they tick every
    // tick/cpus.
    const fds: number[] = [];
    try {
      const t0 = process.hrtime.bigint();
      this.cpus.forEach((cpu, i) => {
        const at = t0 + BigInt(Math.round((i * this.tickNs) / this.cpus.length));
        while (process.hrtime.bigint() < at) {
          // under one tick in all, once: no timer is this precise
        }
        fds.push(openCpuClock(cpu, 0, this.tickNs));
      });
    } catch (err) {
      for (const fd of fds) closeSync(fd);
      throw err;
    }
    this.startNs = process.hrtime.bigint();
    this.lastMs = Number(this.startNs) / 1e6 + this.perfOffsetMs;
    try {
      // Each link owns its fd once made.
      for (let i = 0; i < fds.length; i++) this.links.push(this.obj.attachPerfEvent(this.program, fds[i]));
    } catch (err) {
      for (const fd of fds.slice(this.links.length)) closeSync(fd);
      for (const l of this.links) l.close();
      this.links = [];
      throw err;
    }
  }

  pending(): boolean {
    return this.ring.pending();
  }

  lastInstantMs(): number | null {
    return this.lastMs;
  }

  /** Completions dropped while no round came to carry them (counted with lost events). */
  completionsDropped(): number {
    return this.endsDropped;
  }

  /**
   * performance.now() ms of the grid origin (period 0 starts there); null before the first
   * tick. Read again at most once a second: the kernel pulls the origin along with its
   * timer (~1 µs/s of drift here), and a prediction from a stale one drifts into the instants.
   */
  originMs(): number | null {
    const t = performance.now();
    // Until every CPU's grid is known (each CPU publishes it at its first regular tick), read
    // again every 50 ms: an instant predicted without its CPU's grid can be a slot off.
    const fresh = this.gridsMs.length === this.cpus.length && !this.gridsMs.includes(null) ? 1000 : 50;
    if (this.closed || (this.originMsCache !== null && t - this.originReadAt < fresh))
      return this.originMsCache;
    this.originReadAt = t;
    const st = Buffer.alloc(CLOCK_STATE.size);
    if (!mapLookup(this.stateFd, Buffer.alloc(4), st)) return this.originMsCache;
    const origin = st.readBigUInt64LE(CLOCK_STATE.off.origin_ns);
    if (origin === 0n) return null;
    this.seed = Number(st.readBigUInt64LE(CLOCK_STATE.off.seed) & 0xffffffffn);
    this.originMsCache = Number(origin) / 1e6 + this.perfOffsetMs;
    // Each CPU's own grid: where its ticks really fall (its event started when the CPU took
    // the call to start it, not exactly when asked).
    const key = Buffer.alloc(4);
    const v = Buffer.alloc(8);
    this.gridsMs = this.cpus.map((cpu) => {
      key.writeUInt32LE(cpu);
      if (!mapLookup(this.gridsFd, key, v)) return null;
      const g = v.readBigUInt64LE();
      return g === 0n ? null : Number(g) / 1e6 + this.perfOffsetMs;
    });
    return this.originMsCache;
  }

  /**
   * The instant (performance.now() ms) the round of period k is due at: the tick of the
   * CPU its slot belongs to (slot g = tick j of rank r, g = j * cpus + r) nearest the
   * slot's place on the shared grid; sampler.bpf.c due_instant() computes the same. When
   * that CPU does not tick, the next tick of any CPU takes the round (late by about a slot).
   */
  instantMs(k: number): number | null {
    const origin = this.originMs();
    if (origin === null) return null;
    const n = this.cpus.length;
    const tickMs = this.tickNs / 1e6;
    const slotMs = Math.floor(this.tickNs / n) / 1e6;
    const slots = this.ticks * n;
    const g = k * slots + ditherTick(this.seed, k, slots, n);
    const r = g % n;
    const ideal = origin + Math.floor(g / n) * tickMs + r * slotMs;
    const grid = this.gridsMs[r] ?? null;
    if (grid === null) return ideal;
    return grid + Math.floor((ideal - grid + Math.floor(this.tickNs / 2) / 1e6) / tickMs) * tickMs;
  }

  nextInstantMs(afterMs: number): number | null {
    const origin = this.originMs();
    if (origin === null) return null;
    for (let k = Math.max(0, Math.floor((afterMs - origin) / this.periodMs)); ; k++) {
      const at = this.instantMs(k) as number;
      if (at > afterMs) return at;
    }
  }

  collect(deadlineMs = Number.POSITIVE_INFINITY): RoundResult[] {
    const out: RoundResult[] = [];
    if (this.closed) return out;
    this.ring.drain((buf, off, len) => {
      const n = out.length;
      this.record(buf, off, len, out);
      return out.length > n && performance.now() >= deadlineMs;
    });
    const done = this.sink.completions();
    if (out.length > 0) {
      const last = out[out.length - 1];
      last.syscallEnds = done.syscallEnds;
      last.ioEnds = done.ioEnds;
    } else if (done.syscallEnds.length + done.ioEnds.length > 0) {
      // Held for the next round; bounded, so rounds that stop coming cannot grow the heap.
      const keep = <T>(a: T[]): T[] => {
        if (a.length <= MAX_PENDING_ENDS) return a;
        this.endsDropped += a.length - MAX_PENDING_ENDS;
        return a.slice(a.length - MAX_PENDING_ENDS);
      };
      this.pendingEnds = {
        syscallEnds: keep([...(this.pendingEnds?.syscallEnds ?? []), ...done.syscallEnds]),
        ioEnds: keep([...(this.pendingEnds?.ioEnds ?? []), ...done.ioEnds]),
      };
    }
    if (out.length > 0 && this.pendingEnds) {
      out[0].syscallEnds = [...this.pendingEnds.syscallEnds, ...out[0].syscallEnds];
      out[0].ioEnds = [...this.pendingEnds.ioEnds, ...out[0].ioEnds];
      this.pendingEnds = null;
    }
    return out;
  }

  private record(buf: Buffer, off: number, len: number, out: RoundResult[]): void {
    if (len < 8) return;
    const kind = buf.readUInt32LE(off);
    if (kind === REC_TASK && len >= TASK_REC.size) {
      const b = this.building;
      if (b === null) return; // its round's start was lost
      const s = this.sink.task(buf, off, b.timestampUs);
      if (s !== null) b.samples.push(s);
    } else if (kind === REC_STACK && len >= STACK_REC.size) {
      this.sink.stack(buf, off, this.carryStacks);
    } else if (kind === REC_ROUND_START && len >= ROUND_START_REC.size) {
      // A start while another round is open: that round's end never came (ring full).
      this.building = null;
      const ktimeNs = buf.readBigUInt64LE(off + ROUND_START_REC.off.ktime_ns);
      this.sink.startRound();
      this.building = {
        seq: Number(buf.readBigUInt64LE(off + ROUND_START_REC.off.seq)),
        ktimeNs,
        dueNs: buf.readBigUInt64LE(off + ROUND_START_REC.off.due_ns),
        tickNs: buf.readBigUInt64LE(off + ROUND_START_REC.off.tick_ns),
        period: Number(buf.readBigUInt64LE(off + ROUND_START_REC.off.period)),
        timestampUs: this.sink.monoToEpochUs(ktimeNs),
        samples: [],
      };
    } else if (kind === REC_ROUND_END && len >= ROUND_END_REC.size) {
      const E = ROUND_END_REC.off;
      const b = this.building;
      this.building = null;
      const seq = Number(buf.readBigUInt64LE(off + E.seq));
      if (b === null || b.seq !== seq || buf.readUInt32LE(off + E.flags) & RF_INCOMPLETE) return;
      const onCpu = buf.readUInt32LE(off + E.self_oncpu);
      const runnable = buf.readUInt32LE(off + E.self_runnable);
      // Rounds due since the previous one: seq gaps were skipped by the kernel (ring
      // full), or dropped here (incomplete); periods beyond the seqs had no round at all
      // (the clock's CPU was frozen or its tick did not come through the whole period).
      // Lateness on the taking CPU's own grid: a round another CPU took for a due CPU that
      // did not tick (its vCPU held) is an on-time sample a slot or so after the instant,
      // unless it came more than a turn of the CPUs after it.
      const lateBy = b.ktimeNs - b.tickNs;
      const after = b.tickNs - b.dueNs;
      const dueSeqs = seq - this.prevSeq;
      const gapLost = dueSeqs - 1;
      const gapLate = Math.max(0, b.period - this.prevPeriod - dueSeqs);
      this.prevSeq = seq;
      this.prevPeriod = b.period;
      this.lastMs = Number(b.ktimeNs) / 1e6 + this.perfOffsetMs;
      const c = this.counters;
      c.lost += gapLost;
      c.late += gapLate;
      // A round taken well after its tick was held up (a frozen virtual CPU, interrupts
      // off): it reads the moment everything resumes, when the wake-ups held back meanwhile
      // all land at once, not the moment it was due. It is not delivered; it counts as late.
      // (A tick held up by half a tick or more rounds to the next tick's index: it shows as
      // early, and is the same case.)
      if (lateBy > this.lateNs || lateBy < -this.lateNs || after > BigInt(this.tickNs)) {
        c.late++;
        c.lateHeld++;
        this.pendingLost += gapLost;
        this.pendingLate += gapLate + 1;
        return;
      }
      const lost = gapLost + this.pendingLost;
      const late = gapLate + this.pendingLate;
      this.pendingLost = 0;
      this.pendingLate = 0;
      c.selfOnCpu += onCpu;
      c.selfRunnable += runnable;
      c.rounds++;
      if (after > this.halfSlotNs) c.takenForHeld++; // (the grids move by ns as they follow drift)
      c.walkNs += Number(buf.readBigUInt64LE(off + E.walk_ns));
      c.wokenLate += buf.readUInt32LE(off + E.woken_late);
      if (onCpu + runnable > 0) c.perturbed++;
      const stacks = this.carryStacks;
      this.carryStacks = [];
      out.push({
        timestamp: b.timestampUs,
        samples: b.samples,
        threadsSeen: this.sink.commSeen() ?? buf.readUInt32LE(off + E.visited),
        syscallEnds: [],
        ioEnds: [],
        newStacks: stacks,
        selfActive: onCpu + runnable,
        lostBefore: lost,
        lateBefore: late,
      });
    }
  }

  /**
   * Rounds lost so far: what the kernel counted (skipped for a full ring, or incomplete),
   * which includes rounds after the last one collected; at least the gaps seen here.
   */
  lostSoFar(): number {
    return Math.max(this.kernelLost(0) + this.kernelLost(1), this.counters.lost);
  }

  /**
   * Rounds late so far: periods the kernel passed over (no tick at or after their instant
   * before the next one's), including those after the last round collected, plus rounds
   * held up and not delivered; at least the gaps seen here.
   */
  lateSoFar(): number {
    return Math.max(this.kernelLost(2) + this.counters.lateHeld, this.counters.late);
  }

  private kernelLost(i: number): number {
    if (this.closed) return 0;
    const k = Buffer.alloc(4);
    const v = Buffer.alloc(8);
    k.writeUInt32LE(i);
    return mapLookup(this.lostFd, k, v) ? Number(v.readBigUInt64LE()) : 0;
  }

  /** The kernel id of the clock's program (for `bpftool prog show id N`; benchmarks). */
  programId(): number | null {
    return this.links[0]?.programId() ?? null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.links) l.close();
    this.links = [];
    this.ring.close();
  }
}
