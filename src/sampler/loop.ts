// Paces sampling rounds on an absolute schedule (no drift), for a duration or until the
// signal aborts. A round that runs late makes the loop skip the slots it missed; those
// count as missed, so "rounds taken vs expected" tells the truth about overload.
import type { RoundResult, Sampler } from "./sampler.js";

export interface LoopOptions {
  hz: number;
  /** Stop after this long; undefined runs until aborted. */
  durationMs?: number;
  signal: AbortSignal;
  /** `slot` is the schedule slot of this round: slots - rounds = rounds missed so far. */
  onRound(round: RoundResult, index: number, slot: number): void | Promise<void>;
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

export async function runRounds(sampler: Sampler, opts: LoopOptions): Promise<LoopResult> {
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

/**
 * Resolves after ms, or at once when the signal aborts. A bare timer and a once-listener
 * (timers/promises with a signal costs more promises and bookkeeping every round).
 */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
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
