// Paces sampling rounds for a duration or until the signal aborts.
// - With a kernel clock (bpf): the kernel takes the rounds at hz; this loop wakes about
//   every `batchMs`, always half a period after a sampling instant, collects the rounds
//   taken since, and stops decoding before the next instant comes (the rest waits for the
//   next half-period), so tsnap is not on a CPU when states are read.
// - Otherwise (proc, or bpf with user stacks): the loop takes each round itself, on an
//   absolute schedule (no drift); a round that runs late makes it skip the slots it
//   missed, and those count as missed. Here tsnap's own thread holds a CPU while it reads.
import type { KernelClock, RoundResult, Sampler } from "../model/sampler.js";

export interface LoopOptions {
  hz: number;
  /** Stop after this long; undefined runs until aborted. */
  durationMs?: number;
  signal: AbortSignal;
  /** `slot` is the schedule slot of this round: slots - rounds = rounds missed so far. */
  onRound(round: RoundResult, index: number, slot: number): void | Promise<void>;
  /** Kernel clock: collect about this often (default: a quarter second, at least a period). */
  batchMs?: number;
  /** Injected clock for tests; defaults to performance.now(). */
  now?: () => number;
}

export interface LoopResult {
  rounds: number;
  /** Rounds the schedule called for in the time the loop ran. */
  expected: number;
  elapsedMs: number;
  /** CPU time this process used while sampling, µs (user + system). */
  cpuUs: number;
}

/** Stop decoding this long before the next sampling instant. */
const GUARD_MS = 2;

export async function runRounds(sampler: Sampler, opts: LoopOptions): Promise<LoopResult> {
  if (sampler.kernelClock !== null) return runKernelClocked(sampler.kernelClock, opts);
  const now = opts.now ?? (() => performance.now());
  const period = 1000 / opts.hz;
  const start = now();
  const cpu0 = process.cpuUsage();
  let rounds = 0;
  let slot = 0;
  while (!opts.signal.aborted) {
    const round = sampler.round();
    await opts.onRound(round, rounds, slot);
    rounds++;
    slot++;
    const elapsed = now() - start;
    if (opts.durationMs !== undefined && slot * period >= opts.durationMs - 1e-6) break;
    // Skip slots that have already passed.
    if (slot * period < elapsed) slot = Math.ceil(elapsed / period);
    if (opts.durationMs !== undefined && slot * period >= opts.durationMs - 1e-6) break;
    await sleepUnlessAborted(slot * period - elapsed, opts.signal);
  }
  const elapsedMs = now() - start;
  const cpu = process.cpuUsage(cpu0);
  const covered = opts.durationMs ?? elapsedMs;
  return {
    rounds,
    expected: Math.max(1, Math.round(Math.min(covered, elapsedMs + period) / period)),
    elapsedMs,
    cpuUs: cpu.user + cpu.system,
  };
}

/** The first instant halfway between two sampling instants at or after `t`. */
export function midpointAfter(t: number, lastInstant: number, period: number): number {
  const k = Math.max(0, Math.ceil((t - lastInstant) / period - 0.5));
  return lastInstant + (k + 0.5) * period;
}

async function runKernelClocked(clock: KernelClock, opts: LoopOptions): Promise<LoopResult> {
  const period = clock.periodMs;
  const batchMs = Math.max(period, opts.batchMs ?? 250);
  // Rounds the window holds: instants 1..n after the start.
  const want = opts.durationMs === undefined ? Infinity : Math.max(1, Math.round(opts.durationMs / period));
  const cpu0 = process.cpuUsage();
  clock.start();
  const start = clock.lastInstantMs() ?? performance.now();
  const endAt = opts.durationMs === undefined ? Infinity : start + want * period + period / 2;
  let rounds = 0;
  let slot = -1;
  let aborted = false;
  const deliver = async (batch: RoundResult[]) => {
    for (const r of batch) {
      slot += 1 + (r.lostBefore ?? 0) + (r.lateBefore ?? 0);
      if (slot >= want) return;
      await opts.onRound(r, rounds, slot);
      rounds++;
    }
  };
  for (;;) {
    const last = clock.lastInstantMs() ?? start;
    const t = performance.now();
    // Wake up halfway between two instants: about a batch from now, at the end of the
    // window, or at the next midpoint when rounds are still waiting to be decoded.
    let at = clock.pending()
      ? midpointAfter(t, last, period)
      : midpointAfter(t + batchMs - period, last, period);
    if (at > endAt) at = midpointAfter(Math.max(t, endAt - period), last, period);
    if (!aborted) {
      await sleepUnlessAborted(Math.max(0, at - performance.now()), opts.signal);
      aborted = opts.signal.aborted; // then one last collection below
    }
    // Decode until shortly before the next sampling instant; the rest waits.
    const anchor = clock.lastInstantMs() ?? start;
    const next = anchor + Math.max(1, Math.ceil((performance.now() - anchor) / period)) * period;
    await deliver(clock.collect(aborted ? Number.POSITIVE_INFINITY : next - GUARD_MS));
    if (aborted || slot >= want - 1 || performance.now() > endAt + 2 * batchMs) break;
  }
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const expected =
    opts.durationMs !== undefined ? want : Math.max(1, slot + 1, Math.floor(elapsedMs / period));
  return { rounds, expected, elapsedMs, cpuUs: cpu.user + cpu.system };
}

/**
 * Resolves after ms, or at once when the signal aborts. A bare timer and a once-listener
 * (timers/promises with a signal costs more promises and bookkeeping every round).
 */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
