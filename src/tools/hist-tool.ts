// What the histogram tools share (biolatency, runqlat, ...: bcc's log2 histograms, one
// per key): the layout of a histogram in the kernel's map (kernel/lib/loghist.bpf.h) and
// the loop that prints, every interval or once at Ctrl-C, the events since the previous
// report in libbpf-tools' layout or as NDJSON.
// The kernel's counters only grow: a report is the difference to the previous read
// (bpf/hist.ts), so no event is lost between reading and clearing a map.
import { slotDeltas } from "../bpf/hist.js";
import type { FlagValues } from "../command/args.js";
import type { Io } from "../command/command.js";
import {
  type IntervalCount,
  jsonFlag,
  millisecondsFlag,
  parseIntervalCount,
  timeLineFlag,
} from "../command/flags.js";
import { waitOrAbort } from "../platform/abortable-sleep.js";
import { renderLog2Hist } from "../report/log2-hist.js";
import { toJson } from "../report/table.js";
import { cString, layout } from "../sources/bpf/records.js";

export const HIST_SLOTS = 32;

/** struct log_hist of kernel/lib/loghist.bpf.h. */
export const LOG_HIST = layout("log_hist", [
  ["slots", { array: "u32", len: HIST_SLOTS }],
  ["sum_ns", "u64"],
  ["comm", { array: "char", len: 16 }],
]);

/** One histogram of the kernel's map, cumulative since attach. */
export interface HistEntry {
  /** The map key's bytes (to delete it). */
  key: Buffer;
  /** A struct log_hist. */
  value: Buffer;
  /** Reports list entries by this (a pid, a device number). */
  order: number;
  /** The text before the histogram, e.g. "\npid = 12 fio\n" (libbpf-tools' layout). */
  head: string;
  /** The key's fields in JSON ({ pid: 12, comm: "fio" }). */
  fields: Record<string, string | number>;
  /** The text after the histogram (fsdist's empty line, as libbpf-tools'); none by default. */
  tail?: string;
}

/** The loaded kernel side of a histogram tool. */
export interface HistSource {
  read(): HistEntry[];
  /** Deletes these keys from the kernel's map. */
  forget(keys: readonly Buffer[]): void;
  /** Events the kernel could not count (a map was full), by what was lost; cumulative. */
  lost(): Record<string, number>;
  close(): void;
}

export interface HistDelta {
  entry: HistEntry;
  /** Events per log2 slot since the previous report. */
  counts: number[];
  total: number;
  sumNs: number;
}

/** The comm of a struct log_hist. */
export const histComm = (value: Buffer): string => cString(value, LOG_HIST.off.comm, 16);

/**
 * One entry of a histogram map keyed by a u32 id (tgid, tid, ...; 0xffffffff when there is
 * one histogram): `name` heads it as libbpf-tools does ("pid = 12 fio"), null for none. Pure.
 */
export function u32KeyEntry(key: Buffer, value: Buffer, name: string | null): HistEntry {
  if (name === null) return { key, value, order: 0, head: "", fields: {} };
  const id = key.readUInt32LE(0);
  const comm = histComm(value);
  return { key, value, order: id, head: `\n${name} = ${id} ${comm}\n`, fields: { [name]: id, comm } };
}

/** Events since `prev` (values by key hex), entries without new events left out, by order. Pure. */
export function histDeltas(prev: ReadonlyMap<string, Buffer>, now: readonly HistEntry[]): HistDelta[] {
  const out: HistDelta[] = [];
  for (const e of now) {
    const p = prev.get(e.key.toString("hex"));
    const pairs = slotDeltas(p, e.value, LOG_HIST.off.slots, HIST_SLOTS);
    if (pairs.length === 0) continue;
    const counts = new Array<number>(HIST_SLOTS).fill(0);
    let total = 0;
    for (const [slot, n] of pairs) {
      counts[slot] = n;
      total += n;
    }
    const sum =
      e.value.readBigUInt64LE(LOG_HIST.off.sum_ns) - (p?.readBigUInt64LE(LOG_HIST.off.sum_ns) ?? 0n);
    out.push({ entry: e, counts, total, sumNs: Number(sum) });
  }
  return out.sort((a, b) => a.entry.order - b.entry.order);
}

/** "21:21:47" in local time (strftime("%H:%M:%S")). */
export function hhmmss(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * One report in libbpf-tools' layout: an empty line, the time with -T, each histogram
 * after its head (the entry's, or `head`'s when the head depends on the report). Pure.
 */
export function renderHistText(
  deltas: readonly HistDelta[],
  unit: string,
  at: Date | null,
  head: (d: HistDelta) => string = (d) => d.entry.head,
): string {
  let out = "\n";
  if (at) out += `${hhmmss(at).padEnd(8)}\n`;
  for (const d of deltas) out += head(d) + renderLog2Hist(d.counts, unit) + (d.entry.tail ?? "");
  return out;
}

/** One report as NDJSON: one object per histogram, its non-zero slots as {low, high, count}. Pure. */
export function renderHistJson(deltas: readonly HistDelta[], unit: string, at: Date): string {
  return deltas
    .map(
      (d) =>
        `${toJson({
          time: at.toISOString(),
          ...d.entry.fields,
          unit,
          count: d.total,
          sum_ns: d.sumNs,
          slots: d.counts.flatMap((count, i) =>
            count ? [{ low: i === 0 ? 0 : 2 ** i, high: 2 ** (i + 1) - 1, count }] : [],
          ),
        })}\n`,
    )
    .join("");
}

export interface HistLoopOptions extends IntervalCount {
  timestamp: boolean;
  json: boolean;
  /** "usecs" or "msecs" */
  unit: string;
  /** "Tracing block device I/O" */
  tracing: string;
  /** Words for the lost counters' reasons (what `lost()` keys mean). */
  lostWords?: Record<string, string>;
  /** Text after each text report's histograms (funclatency's average line). */
  footer?: (deltas: readonly HistDelta[]) => string;
  /** The text before a histogram when it depends on the report (tcprtt's average); default its entry's head. */
  head?: (d: HistDelta) => string;
  /** The text of a report when it is not renderHistText's (hardirqs' totals table). */
  text?: (deltas: readonly HistDelta[], at: Date | null) => string;
}

/** The flags every histogram tool has, as bcc's: -T, -m, --json (with `[interval] [count]`). */
export const HIST_FLAGS = {
  timestamp: timeLineFlag,
  ms: millisecondsFlag,
  json: jsonFlag("histogram per report"),
};

/** The loop's options from HIST_FLAGS' values and the positionals; `ms` for the kernel's config. */
export function histOptions(
  v: FlagValues<typeof HIST_FLAGS>,
  positionals: readonly string[],
): Omit<HistLoopOptions, "tracing" | "lostWords"> & { ms: boolean } {
  return {
    ...parseIntervalCount(positionals),
    ms: v.ms,
    unit: v.ms ? "msecs" : "usecs",
    timestamp: v.timestamp,
    json: v.json,
  };
}

/** Prints the reports until `count`, or Ctrl-C (which prints what was gathered); closes `src`. */
export async function runHistLoop(io: Io, o: HistLoopOptions, src: HistSource): Promise<number> {
  try {
    const hello = `${o.tracing}... Hit Ctrl-C to end.\n`;
    if (o.json) io.err(hello);
    else io.out(hello);
    let prev = new Map<string, Buffer>();
    const lostSeen: Record<string, number> = {};
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(o.intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const now = src.read();
      const at = new Date();
      const deltas = histDeltas(prev, now);
      io.out(
        o.json
          ? renderHistJson(deltas, o.unit, at)
          : (o.text ?? ((d, t) => renderHistText(d, o.unit, t, o.head)))(deltas, o.timestamp ? at : null) +
              (o.footer?.(deltas) ?? ""),
      );
      for (const [what, total] of Object.entries(src.lost())) {
        const d = total - (lostSeen[what] ?? 0);
        lostSeen[what] = total;
        if (d > 0) io.err(`WARNING: ${d} ${o.lostWords?.[what] ?? what}\n`);
      }
      if (aborted || n >= o.count) break;
      // Keys without events for a whole interval are deleted (a pid may have exited), so
      // the map cannot fill up with them.
      const active = new Set(deltas.map((d) => d.entry.key.toString("hex")));
      const idle = now.filter((e) => {
        const id = e.key.toString("hex");
        return !active.has(id) && prev.has(id);
      });
      src.forget(idle.map((e) => e.key));
      const gone = new Set(idle.map((e) => e.key.toString("hex")));
      prev = new Map(
        now.filter((e) => !gone.has(e.key.toString("hex"))).map((e) => [e.key.toString("hex"), e.value]),
      );
    }
  } finally {
    src.close();
  }
  return 0;
}
