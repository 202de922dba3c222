// What the event tools share (opensnoop, biosnoop, exitsnoop, ...: bcc's "snoop" tools,
// one line per event): the loop that drains the kernel's ring buffer until Ctrl-C or the
// end of -d, prints each record through the tool's renderer, and says on stderr how many
// events the kernel could not send (lost, by reason), as they happen and at the end.

import { setTimeout as sleep } from "node:timers/promises";
import type { RingBuffer } from "../bpf/ringbuf.js";
import type { Io } from "../command/command.js";

/**
 * The least time between two drains. The kernel wakes the reader at the first record after
 * it caught up, so without a pause a trickle of events (an exec storm: a few hundred a
 * second on 2 loaded CPUs) costs one wake-up, one drain, one write and two counter reads
 * per event: a Node wake-up is ~0.4 ms of CPU here, 5x libbpf-tools' execsnoop per event.
 * Records that arrive in the pause do not wake it again (the reader is behind), and go out
 * in one batch and one write. The pause adapts to the rate of the last drains (drainGapMs):
 * DRAIN_GAP_MS in a storm (the ring keeps its room), up to DRAIN_GAP_MAX_MS when records
 * trickle, so that a wake-up brings DRAIN_BATCH of them. A drain that takes longer than the
 * pause is followed by the next at once.
 */
export const DRAIN_GAP_MS = 10;
/** The longest pause: a line is at most this late (100 ms, libbpf-tools' poll timeout). */
export const DRAIN_GAP_MAX_MS = 100;
/** The records a wake-up should bring when they trickle. */
export const DRAIN_BATCH = 16;

/**
 * The pause before the next drain, from the last one: `records` drained `sinceMs` after the
 * drain before it, which came `lastGapMs` after its own. No records (a wait that timed out):
 * the short pause. The pause at most doubles from one drain to the next, so that a storm
 * after a quiet spell finds the ring with room (the first drain of a storm brings few
 * records over a long time, as a trickle does). Pure.
 */
export function drainGapMs(records: number, sinceMs: number, lastGapMs = DRAIN_GAP_MS): number {
  if (records <= 0 || !Number.isFinite(sinceMs)) return DRAIN_GAP_MS;
  const gap = Math.min((DRAIN_BATCH * sinceMs) / records, 2 * lastGapMs);
  return Math.min(DRAIN_GAP_MAX_MS, Math.max(DRAIN_GAP_MS, gap));
}

/** The loaded kernel side of an event tool. */
export interface SnoopSource {
  ring: RingBuffer;
  /** Events the kernel could not report, by reason (keys of `lostWords`); cumulative. */
  lost(): Record<string, number>;
  close(): void;
}

/** Kernel time (CLOCK_MONOTONIC ns, bpf_ktime_get_ns) to wall time and to seconds since start. */
export interface SnoopClock {
  /** The kernel's clock when tracing began. */
  startNs: bigint;
  /** The wall time of a kernel timestamp. */
  wall(ns: bigint): Date;
  /** Seconds from the start of tracing to a kernel timestamp. */
  since(ns: bigint): number;
  /** Seconds from the first timestamp asked about (bcc's tcp tools' TIME(s)) to this one. */
  sinceFirst(ns: bigint): number;
}

export function snoopClock(startNs = process.hrtime.bigint()): SnoopClock {
  // process.hrtime is CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
  const wallAtStart = Date.now() - Number(process.hrtime.bigint() - startNs) / 1e6;
  let first: bigint | undefined;
  return {
    startNs,
    wall: (ns) => new Date(wallAtStart + Number(ns - startNs) / 1e6),
    since: (ns) => Number(ns - startNs) / 1e9,
    sinceFirst(ns) {
      first ??= ns;
      return Number(ns - first) / 1e9;
    },
  };
}

export interface SnoopLoopOptions {
  json: boolean;
  /** The text header (printed on stdout first, as libbpf-tools does); "" for none. */
  header: string;
  /** "Tracing file opens" (said on stderr with --json, where stdout is only NDJSON). */
  tracing: string;
  /** Seconds to trace (-d); Infinity: until Ctrl-C. */
  durationS: number;
  /** What each lost counter means, as "N <words>" ("events lost: the ring buffer was full"). */
  lostWords: Record<string, string>;
}

/**
 * Drains `src` until Ctrl-C or the duration, rendering every record with `render` (its
 * text, "" to leave a record out); closes `src`. Records already in the ring at Ctrl-C
 * are printed.
 */
export async function runSnoopLoop(
  io: Io,
  o: SnoopLoopOptions,
  src: SnoopSource,
  render: (buf: Buffer, off: number, len: number, clock: SnoopClock) => string,
): Promise<number> {
  try {
    const clock = snoopClock();
    if (o.json) io.err(`${o.tracing}... Hit Ctrl-C to end.\n`);
    else if (o.header) io.out(o.header);
    const lostSeen: Record<string, number> = {};
    const drain = () => {
      let text = "";
      const n = src.ring.drain((buf, off, len) => {
        text += render(buf, off, len, clock);
      });
      if (text) io.out(text);
      for (const [what, total] of Object.entries(src.lost())) {
        const d = total - (lostSeen[what] ?? 0);
        lostSeen[what] = total;
        if (d > 0) io.err(`WARNING: ${d} ${o.lostWords[what] ?? what}\n`);
      }
      return n;
    };
    const end = performance.now() + o.durationS * 1000;
    let lastDrain = Number.NEGATIVE_INFINITY;
    let gap = DRAIN_GAP_MS;
    while (!io.signal.aborted && performance.now() < end) {
      const ready = await src.ring.wait(Math.min(200, Math.max(0, end - performance.now())));
      const pause = Math.min(lastDrain + gap, end) - performance.now();
      if (ready && pause > 0) await sleep(pause);
      if (io.signal.reason === "EPIPE") return 0;
      const now = performance.now();
      gap = drainGapMs(drain(), now - lastDrain, gap);
      lastDrain = now;
    }
    drain();
  } finally {
    src.close();
  }
  return 0;
}
