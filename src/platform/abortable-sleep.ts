// A command's wait between reports: `ms`, or less when its signal aborts (Ctrl-C, SIGTERM,
// a closed pipe). The sampler's per-round pacing has its own lighter timer (sampler/loop.ts).
import { setTimeout as sleep } from "node:timers/promises";

/** setTimeout's longest delay (2^31 - 1 ms, ~24.8 days); longer waits end there. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Waits `ms` (Infinity: until aborted), or less when `signal` aborts; true when aborted. */
export async function waitOrAbort(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return true;
  try {
    await sleep(Math.max(0, Math.min(ms, MAX_DELAY_MS)), undefined, { signal });
    return false;
  } catch {
    return true;
  }
}
