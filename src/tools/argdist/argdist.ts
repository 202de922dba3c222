// `tsnap argdist`: the values of function parameters, return values, USDT arguments or
// tracepoint fields, counted per value (-C) or as log2 histograms (-H) in the kernel for
// the hits that pass a filter, like bcc argdist (argdist-spec.ts). Probes are resolved by
// probe-targets.ts, values located by argdist-load.ts, counted by argdist.bpf.c; this
// module prints bcc's layout.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags, switchFlag, textsFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, pidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { renderLog2Hist } from "../../report/log2-hist.js";
import { hhmmss } from "../hist-tool.js";
import { resolveEach } from "../probe-targets.js";
import { reportLoop } from "../report-loop.js";
import { tool } from "./argdist.tool.js";
import { type ArgdistSpec, parseArgdistSpec } from "./argdist-spec.js";

const FLAGS = {
  count: textsFlag({
    long: "count",
    short: "C",
    arg: "SPEC",
    help: "count events per value of SPEC's expression",
  }),
  hist: textsFlag({
    long: "histogram",
    short: "H",
    arg: "SPEC",
    help: "a log2 histogram of SPEC's expression",
  }),
  pid: pidFlag,
  interval: decimalFlag({
    long: "interval",
    short: "i",
    arg: "SECONDS",
    help: "seconds between reports (default 1)",
    min: 0.05,
    max: 86400,
    fallback: 1,
  }),
  duration: durationFlag(),
  number: decimalFlag({
    long: "number",
    short: "n",
    arg: "COUNT",
    help: "reports before exiting (default: until Ctrl-C or -d)",
    min: 1,
    max: 1e9,
    integer: true,
    fallback: 0,
  }),
  top: decimalFlag({
    long: "top",
    short: "T",
    arg: "N",
    help: "with -C, only the N most frequent values (default all)",
    min: 1,
    max: 1e6,
    integer: true,
    fallback: 0,
  }),
  cumulative: switchFlag({
    long: "cumulative",
    short: "c",
    help: "counts since the start, not since the last report",
  }),
};

const HELP = `tsnap argdist: count or histogram the values of parameters, return values, USDT arguments or tracepoint fields (bcc argdist)

USAGE
  tsnap argdist [-p PID] [-i SECONDS] [-d SECONDS] [-n COUNT] [-T N] [-c] {-C SPEC | -H SPEC}...

Reads a value at every hit of a probe that passes the specifier's filter and counts it in
the kernel: per distinct value (-C) or in a log2 histogram (-H). Prints every interval.
Needs root.

SPEC
  PROBE(SIGNATURE):TYPE:EXPR[:FILTER][#LABEL]
  p:LIB:func(size_t size, int flags):size_t:size   a parameter (by its name in SIGNATURE)
  r:LIB:func():int:$retval                          the return value
  u:LIB:provider:probe():long:arg2                  a USDT probe's argument
  t:category:event():u64:args->count                a tracepoint field (tsnap tracepoints -v)
  FILTER: C's operators on integers over the same names (as tsnap trace's), in the kernel
  LIB and patterns as in funccount; TYPE: u8..u64, s8..s64, int, long, size_t, pointers
  (tracepoint fields and USDT arguments take their own size and sign).

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap argdist -H 'p:c:malloc(size_t size):size_t:size'          allocation sizes
  sudo tsnap argdist -C 'r:c:open():int:$retval' -p 1234 -i 5           open()'s results
  sudo tsnap argdist -C 'p:c:write(int fd, const void *buf, size_t n):size_t:n:n>1024'
  sudo tsnap argdist -H 't:syscalls:sys_enter_read():u64:args->count'   read sizes asked
  sudo tsnap argdist -C 't:syscalls:sys_enter_read():u64:count:count > 4096 && fd != 0'
  sudo tsnap argdist -C 't:syscalls:sys_exit_read():s64:ret#read returns' -T 5
`;

interface Options {
  specs: { spec: ArgdistSpec; hist: boolean }[];
  pid: number | null;
  intervalS: number;
  durationS: number;
  top: number;
  cumulative: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  const specs = [
    ...v.count.map((t) => ({ spec: parseArgdistSpec(t), hist: false })),
    ...v.hist.map((t) => ({ spec: parseArgdistSpec(t), hist: true })),
  ];
  if (specs.length === 0)
    throw new UsageError("no -C or -H SPEC (e.g. -H 'p:c:malloc(size_t size):size_t:size')");
  const byCount = v.number > 0 ? v.number * v.interval : Infinity;
  return {
    specs,
    pid: v.pid,
    intervalS: v.interval,
    durationS: Math.min(v.duration, byCount),
    top: v.top,
    cumulative: v.cumulative,
  };
}

export interface ValueCount {
  value: bigint;
  count: number;
}

/** The value as the expression's type prints it (signed types negative). Pure. */
export const valueText = (v: bigint, signed: boolean): string => String(signed ? BigInt.asIntN(64, v) : v);

/** bcc's -C block: the specifier, then "COUNT EVENT" rows least first, the top N. Pure. */
export function renderCounts(
  spec: ArgdistSpec,
  rows: readonly ValueCount[],
  top: number,
  signed: boolean,
): string {
  let sorted = rows
    .filter((r) => r.count > 0)
    .sort((a, b) => a.count - b.count || (a.value < b.value ? -1 : 1));
  if (top > 0) sorted = sorted.slice(-top);
  let out = `${spec.label ?? spec.text}\n\t${"COUNT".padEnd(10)} EVENT\n`;
  for (const r of sorted)
    out += `\t${String(r.count).padEnd(10)} ${spec.expr} = ${valueText(r.value, signed)}\n`;
  return out;
}

/** bcc's -H block: the specifier, then the histogram labelled by the label or expression. Pure. */
export function renderHist(spec: ArgdistSpec, counts: readonly number[]): string {
  return `${spec.label ?? spec.text}\n${renderLog2Hist(counts, spec.label ?? spec.expr.replace(/^\$/, ""))}`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("argdist");
  const { argdistProbe, loadArgdist } = await import("./argdist-load.js");
  const found = resolveEach(o.specs, (s) => s.spec.probe, "argdist", o.pid);
  const targets = found.map((f) => f.target);
  const probes = found.map((f) => argdistProbe(f.item.spec, f.index, f.item.hist, f.target));
  const signed: boolean[] = [];
  for (const p of probes) signed[p.spec] = p.signed;
  const data = loadArgdist(targets, probes, o.pid);
  try {
    io.out(`Tracing ${targets.length} probes... Hit Ctrl-C to end.\n`);
    let prevCounts = new Map<string, number>();
    let prevHists = new Map<number, number[]>();
    let lostSeen = 0;
    await reportLoop(io, o, () => {
      const counts = data.counts();
      const hists = data.hists();
      let out = `[${hhmmss(new Date())}]\n`;
      o.specs.forEach(({ spec, hist }, i) => {
        if (hist) {
          const now = hists.get(i) ?? [];
          const before = o.cumulative ? [] : (prevHists.get(i) ?? []);
          out += renderHist(
            spec,
            now.map((n, s) => n - (before[s] ?? 0)),
          );
        } else {
          const rows = [...counts]
            .filter(([, c]) => c.spec === i)
            .map(([k, c]) => ({
              value: c.value,
              count: c.count - (o.cumulative ? 0 : (prevCounts.get(k) ?? 0)),
            }));
          out += renderCounts(spec, rows, o.top, signed[i] ?? false);
        }
      });
      io.out(out);
      prevCounts = new Map([...counts].map(([k, c]) => [k, c.count]));
      prevHists = hists;
      const lost = data.lost();
      if (lost > lostSeen) io.err(`WARNING: ${lost - lostSeen} values not counted: a map was full\n`);
      lostSeen = lost;
    });
  } finally {
    data.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
