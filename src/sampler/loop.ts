// Paces sampling rounds for a duration or until the signal aborts.
// - With a kernel clock (bpf): the kernel takes the rounds at hz, one per period at a
//   dithered instant this loop knows ahead; it wakes about every `batchMs`, never close to
//   an instant, collects the rounds taken since, and stops decoding shortly before the next
//   instant (the rest waits until just after it), so tsnap is not on a CPU when states are
//   read. The first round is collected right after its instant.
// - Otherwise (proc, or bpf with user stacks): the loop takes each round itself, on an
//   absolute schedule (no drift); a round that runs late makes it skip the slots it
//   missed, and those count as missed. Here tsnap's own thread holds a CPU while it reads.
//   Each round is taken at a random moment of its slot (dithered, as the kernel clock's),
//   so the rounds cannot sit in phase with a periodic disturbance (a VM's host freezing the
//   guest every 100 ms and the I/O completions it held back all landing at once).
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
  /** Loop-taken rounds: where in its slot each round is taken, [0, 1); default random. */
  dither?: () => number;
  /**
   * Kernel clock: after an abort, rounds still waiting are decoded and handed on for at most
   * this long (default 250 ms), so Ctrl-C ends a loaded, busy tsnap promptly; rounds left
   * then are not counted (rounds < expected says so).
   */
  stopBudgetMs?: number;
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
/** Wake this long after an instant at the earliest: the kernel's round is written by then. */
const AFTER_MS = 1;
/** Waking is worth it only with at least this long before the next instant (and period / 2). */
const MIN_WORK_MS = 3;
/** ...up to this long: writing a batch of rounds out (CSV, -a) can take tens of ms. */
const MAX_WORK_MS = 50;

export async function runRounds(sampler: Sampler, opts: LoopOptions): Promise<LoopResult> {
  if (sampler.kernelClock !== null) return runKernelClocked(sampler.kernelClock, opts);
  const now = opts.now ?? (() => performance.now());
  const period = 1000 / opts.hz;
  const start = now();
  const cpu0 = process.cpuUsage();
  const dither = opts.dither ?? Math.random;
  let rounds = 0;
  let slot = 0;
  while (!opts.signal.aborted) {
    const round = sampler.round();
    await opts.onRound(round, rounds, slot);
    rounds++;
    slot++;
    const elapsed = now() - start;
    if (opts.durationMs !== undefined && slot * period >= opts.durationMs - 1e-6) break;
    // Skip slots that have wholly passed.
    if ((slot + 1) * period <= elapsed) slot = Math.floor(elapsed / period);
    if (opts.durationMs !== undefined && slot * period >= opts.durationMs - 1e-6) break;
    // A random moment of the slot, not before now.
    const at = Math.max(elapsed, (slot + dither()) * period);
    await sleepUnlessAborted(at - elapsed, opts.signal);
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

/**
 * When to wake for a wake-up wanted at `target`, given the sampling instants (`next(t)`: the
 * first instant after t, null when unknown): at target when the next instant is at least
 * `room` ms away (and none was due within AFTER_MS before it); else AFTER_MS after the first
 * instant from there that is followed by that much room (dithered instants can come a tick
 * apart), looking a few instants ahead.
 */
export function wakeTime(target: number, next: (after: number) => number | null, room: number): number {
  let i = next(target - AFTER_MS);
  if (i === null || i - target >= room) return target;
  for (let n = 0; n < 8; n++) {
    const j = next(i);
    if (j === null || j - i >= room + AFTER_MS) break;
    i = j;
  }
  return i + AFTER_MS;
}

async function runKernelClocked(clock: KernelClock, opts: LoopOptions): Promise<LoopResult> {
  const period = clock.periodMs;
  const batchMs = Math.max(period, opts.batchMs ?? 250);
  // Rounds the window holds: those of periods 0..n-1 (period 0 starts at the first tick).
  const want = opts.durationMs === undefined ? Infinity : Math.max(1, Math.round(opts.durationMs / period));
  const cpu0 = process.cpuUsage();
  clock.start();
  const start = performance.now();
  // The last instant of the window is before origin + want * period; an estimate until
  // the kernel's first tick gives the origin.
  let endAt = opts.durationMs === undefined ? Infinity : start + (want + 1) * period;
  let rounds = 0;
  let slot = -1;
  let aborted = false;
  // Rounds decoded before the deadline are all handed on (written): stopping there too
  // would lose whole rounds (ring full) when handing on takes longer than the room between
  // instants (-a at 20 Hz with ~1,200 threads). After an abort, handing on stops at the
  // stop budget (`stopAt`); what is left is not counted.
  const deliver = async (batch: RoundResult[], stopAt: number) => {
    for (let k = 0; k < batch.length; k++) {
      if (k > 0 && performance.now() >= stopAt) return;
      const r = batch[k];
      slot += 1 + (r.lostBefore ?? 0) + (r.lateBefore ?? 0);
      if (slot >= want) return;
      await opts.onRound(r, rounds, slot);
      rounds++;
    }
  };
  const room = Math.max(GUARD_MS + MIN_WORK_MS, Math.min(period / 2, MAX_WORK_MS));
  const next = (t: number) => clock.nextInstantMs(t);
  for (;;) {
    const origin = clock.originMs();
    if (origin !== null && opts.durationMs !== undefined) endAt = origin + want * period + AFTER_MS;
    const t = performance.now();
    // Until the origin is known (a tick or two), poll for it; then wake about a batch from
    // now, right after the next instant while no round came yet (the first row is not held
    // back a batch) or while rounds still wait to be decoded, and never close to an instant.
    let target: number;
    if (origin === null) target = t + 3;
    else if (rounds === 0 || clock.pending()) target = (next(t) ?? t) + AFTER_MS;
    else target = t + batchMs;
    if (target > endAt) target = Math.max(t, endAt);
    const at = wakeTime(target, next, room);
    if (!aborted) {
      await sleepUnlessAborted(Math.max(0, at - performance.now()), opts.signal);
      aborted = opts.signal.aborted; // then one last collection below
    }
    // Decode until shortly before the next sampling instant; the rest waits.
    const upcoming = next(performance.now());
    const deadline = aborted
      ? performance.now() + (opts.stopBudgetMs ?? 250)
      : upcoming === null
        ? Number.POSITIVE_INFINITY
        : upcoming - GUARD_MS;
    await deliver(clock.collect(deadline), aborted ? deadline : Number.POSITIVE_INFINITY);
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
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
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
