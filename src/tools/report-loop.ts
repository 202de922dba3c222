// The loop of the generic tracers (funccount, funclatency, stackcount): a report every
// -i seconds, or once at the end; the end is -d seconds, Ctrl-C, or a closed output.
import { setTimeout as sleep } from "node:timers/promises";
import type { Io } from "../command/command.js";

export interface ReportTimes {
  /** Seconds between reports; 0: one report, at the end. */
  intervalS: number;
  /** Seconds to run; Infinity: until Ctrl-C. */
  durationS: number;
}

/** Calls `report(last)` every interval and once at the end (last = true); resolves after it. */
export async function reportLoop(io: Io, t: ReportTimes, report: (last: boolean) => void): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const left = Number.isFinite(t.durationS) ? t.durationS * 1000 - (performance.now() - t0) : Infinity;
    const step = Math.min(t.intervalS > 0 ? t.intervalS * 1000 : Infinity, Math.max(0, left));
    let aborted = io.signal.aborted;
    if (!aborted) {
      try {
        await sleep(Math.min(step, 2 ** 31 - 1), undefined, { signal: io.signal });
      } catch {
        aborted = true;
      }
    }
    if (io.signal.reason === "EPIPE") return;
    const last =
      aborted || (Number.isFinite(t.durationS) && performance.now() - t0 >= t.durationS * 1000 - 1);
    report(last);
    if (last) return;
  }
}
