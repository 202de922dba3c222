// What hardirqs and softirqs share (bcc's interrupt tools): the flags (-T -N -d -C --json,
// `[interval] [count]`), and the text of a report. Both kernel programs keep one log2
// histogram per handler (kernel/lib/loghist.bpf.h: slots, summed ns), so a report is
// hist-tool.ts's deltas rendered as libbpf-tools' totals table (time, -C counts) or its
// histograms (-d). The loop is hist-tool.ts's runHistLoop.
import { type Flag, type FlagValues, optionalDecimalFlag, switchFlag } from "../command/args.js";
import { INTERVAL_COUNT_ARGS, jsonFlag, parseIntervalCount, timeLineFlag } from "../command/flags.js";
import { InputError, UsageError } from "../errors.js";
import { onlineCpus } from "../platform/cpus.js";
import { renderLog2Hist } from "../report/log2-hist.js";
import { type HistDelta, type HistLoopOptions, hhmmss } from "./hist-tool.js";

export { INTERVAL_COUNT_ARGS };

export const IRQ_FLAGS = {
  timestamp: timeLineFlag,
  nanoseconds: switchFlag({
    long: "nanoseconds",
    short: "N",
    help: "times in nanoseconds (default microseconds)",
  }),
  distributed: switchFlag({
    long: "distributed",
    short: "d",
    help: "a log2 histogram of handler times per handler",
  }),
  json: jsonFlag("handler per report (count, sum_ns and the histogram's slots)"),
};

/** --cpu CPU (softirqs: also -c, as bcc's): only handlers run on this CPU; -1 when absent. */
export function cpuFlag(short?: string): Flag<number> {
  const f = optionalDecimalFlag({
    long: "cpu",
    short,
    arg: "CPU",
    help: "only handlers run on this CPU",
    min: 0,
    max: 8191,
    integer: true,
  });
  return {
    ...f,
    parse(raw, label) {
      const cpu = f.parse(raw, label);
      if (cpu === undefined) return -1;
      if (!onlineCpus().includes(cpu)) throw new InputError(`${label}: CPU ${cpu} is not online`);
      return cpu;
    },
  };
}

export interface IrqOptions extends Omit<HistLoopOptions, "tracing" | "lostWords" | "text"> {
  ns: boolean;
  dist: boolean;
  /** -C: counts of handler runs (hardirqs: instead of times; softirqs: beside them). */
  counts: boolean;
}

/** IRQ_FLAGS' values (and -C) with the positionals → options; -C with -d is a UsageError. Pure. */
export function irqOptions(
  v: FlagValues<typeof IRQ_FLAGS> & { count: boolean },
  positionals: readonly string[],
): IrqOptions {
  if (v.count && v.distributed) throw new UsageError("-C and -d: one at a time");
  return {
    ...parseIntervalCount(positionals),
    ns: v.nanoseconds,
    dist: v.distributed,
    counts: v.count,
    unit: v.nanoseconds ? "nsecs" : "usecs",
    timestamp: v.timestamp,
    json: v.json,
  };
}

/** How one tool prints: libbpf-tools' column title and width, the histogram heads. */
export interface IrqStyle {
  /** "HARDIRQ" */
  title: string;
  /** The name column's width (26 for hardirqs, 16 for softirqs). */
  width: number;
  /** The JSON field and histogram head word: "hardirq" ("hardirq = virtio1-req.0"). */
  field: string;
  /** -C puts the count beside the time (softirqs) rather than instead of it (hardirqs). */
  countBeside: boolean;
  /** An empty line after each histogram (softirqs). */
  blankAfterHist: boolean;
  /** Rows by printed value, ascending (bcc's hardirqs), rather than by entry order (vector). */
  byValue: boolean;
}

/** The text of one report: an empty line, the time with -T, then the table or histograms. Pure. */
export function renderIrqText(
  deltas: readonly HistDelta[],
  o: IrqOptions,
  s: IrqStyle,
  at: Date | null,
): string {
  let out = "\n";
  if (at) out += `${hhmmss(at).padEnd(8)}\n`;
  const rows = deltas.map((d) => ({
    name: String(d.entry.fields[s.field]),
    time: o.ns ? d.sumNs : Math.floor(d.sumNs / 1000),
    d,
  }));
  const value = (r: (typeof rows)[number]) => (o.counts && !s.countBeside ? r.d.total : r.time);
  if (s.byValue) rows.sort((a, b) => value(a) - value(b) || a.name.localeCompare(b.name));
  if (o.dist) {
    for (const r of rows)
      out += `${s.field} = ${r.name}\n${renderLog2Hist(r.d.counts, o.unit)}${s.blankAfterHist ? "\n" : ""}`;
    return out;
  }
  const name = (t: string) => t.padEnd(s.width);
  const num = (n: number) => String(n).padStart(11);
  if (o.counts && !s.countBeside) out += `${name(s.title)} ${"TOTAL_count".padStart(11)}\n`;
  else if (o.counts)
    out += `${name(s.title)} ${"TOTAL_".padEnd(6)}${o.unit.padEnd(5)}  ${"TOTAL_count".padEnd(11)}\n`;
  else out += `${name(s.title)} TOTAL_${o.unit}\n`;
  for (const r of rows)
    out += `${name(r.name)} ${num(value(r))}${o.counts && s.countBeside ? `  ${num(r.d.total)}` : ""}\n`;
  return out;
}
