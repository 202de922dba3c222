// tsnap query: dimensional analysis of captured history (tsnap's own files and 0x.tools
// xcapture v3 files), xtop's text mode done right: correct avg_threads, parameterised
// filters, event-weighted latency, log2 histograms, top stacks, JSON/CSV output.
// Argv and printing only: planning is query/plan.ts, running query/run-query.ts,
// rendering query/render.ts.

import {
  choiceFlag,
  listFlag,
  numberFlag,
  outputFormatFlag,
  parseArgs,
  stringFlag,
} from "../command/args.js";
import type { Command, Io } from "../command/command.js";
import { columnHelp } from "../query/columns.js";
import type { Weighting } from "../query/group-query.js";
import type { HistKind } from "../query/hist-latency.js";
import { planQuery } from "../query/plan.js";
import { renderQueryResult } from "../query/render.js";
import { runQuery } from "../query/run-query.js";

export const DEFAULT_DIR = "/var/lib/tsnap";

const help = `tsnap query [DIR] [options]: analyse captured thread activity (tsnap capture or
0x.tools xcapture v3 files) by any columns, for any time window.

DIR defaults to $TSNAP_DIR or ${DEFAULT_DIR}.

OPTIONS
  --from TIME           window start: 2025-09-05T13:05, 13:05, -1h (before the end of
                        the data), now-1h (before now)         [default: end of data - 1h]
  --to TIME             window end (exclusive), same forms        [default: end of data]
  -g, --group COLS      group by these columns                    [default: state,syscall]
  -G, --add-group COLS  group by the default columns plus these
  -w, --where FILTER    col=value, col!=value, col~regex, col!~regex, <, <=, >, >=,
                        AND, OR, NOT, ( ); quote values with spaces: comm='my app'.
                        Values are bound as parameters, never pasted into SQL.
  --lat KINDS           latency columns: sc (syscalls), io (block I/O), rq (run queue),
                        none   [default: sc when grouping by syscall, io when by devname,
                        rq when by tgid]
  --latency MODE        all: every completion in the window, from the in-kernel
                        histograms capture records (default when the files have them);
                        sampled: only completions of calls the samples saw, joined to
                        the samples (what the sampled threads waited for; xtop's view;
                        leans to long calls)
  --weight MODE         with --latency sampled: event: each completion once per group
                        (default); sample: once per sample that saw it (xtop)
  --hist KIND           log2 histogram (µs), bcc style: sc per syscall, io per disk
                        (issue → complete, biolatency), ioq (insert → complete,
                        biolatency -Q), rq per process (runqlat -P)
  --stacks KIND         top kernel or user stacks instead of groups (narrow with -w;
                        not with -g, -G, --hist, --lat, --latency, --weight)
  --limit N             rows to show (0 = all)          [default: 30 for table, all else]
  --format FMT          table, json, ndjson (one row, stack or histogram per line)
                        or csv                                    [default: table]
  --sql SQL             run one read-only SELECT over the views samples, syscend,
                        iorqend, kstacks, ustacks, cgroups, rounds, partitions
  --columns             list the columns you can group and filter by

avg_threads = sum(weight_us) / 1e6 / seconds covered by sampling rounds in the window.
Latency columns are in µs: <kind>_n, _min, _avg, _p50, _p95, _p99, _max. With
--latency all, <kind>_n counts every call of the row's syscall (device, process) in the
window, whatever the other group columns; quantiles come from buckets (within ~3%).

EXAMPLES
  tsnap query                                    last hour of /var/lib/tsnap by state,syscall
  tsnap query ./cap -g comm2,state -w "state=DISK OR state=RUN"
  tsnap query ./cap -g syscall -w syscall=pread64   every pread64 call: n, p50, p95, p99
  tsnap query ./cap --hist sc -w syscall~^pread    bcc histogram of every pread64 call
  tsnap query ./cap --hist io                      biolatency over the window, per disk
  tsnap query ./cap --hist rq --limit 5            runqlat -P for the 5 busiest processes
  tsnap query ./cap -g tgid,state --lat rq         RUNQ avg_threads beside run-queue waits
  tsnap query ./cap -g syscall --latency sampled   what the sampled threads waited for
  tsnap query ./cap --from 13:05 --to 13:10 -g time_1m,state --format csv
  tsnap query ./cap -g exe_name,state -w "exe_name=postgres"
  tsnap query ./cap -w "syscall~^p(read|write)" --stacks kernel --limit 5
  tsnap query ./cap --sql "SELECT state, count(*) FROM samples GROUP BY ALL"
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseArgs(
    argv,
    {
      from: { type: "string" },
      to: { type: "string" },
      group: { type: "string", short: "g" },
      "add-group": { type: "string", short: "G" },
      where: { type: "string", short: "w", multiple: true },
      lat: { type: "string" },
      latency: { type: "string" },
      weight: { type: "string" },
      hist: { type: "string" },
      stacks: { type: "string" },
      limit: { type: "string" },
      format: { type: "string" },
      sql: { type: "string" },
      columns: { type: "boolean" },
    },
    1,
  );
  if (v.columns) {
    io.out(`Columns for -g, -G and -w:\n${columnHelp()}`);
    return 0;
  }
  const format = outputFormatFlag(v.format);
  const weighting =
    v.weight === undefined
      ? undefined
      : choiceFlag<Weighting>(v.weight, "--weight", ["event", "sample"], "event");
  const limit = numberFlag(v.limit, "--limit", {
    min: 0,
    integer: true,
    fallback: format === "table" ? 30 : 0,
  });
  const hist =
    v.hist === undefined
      ? undefined
      : choiceFlag<HistKind>(v.hist, "--hist", ["sc", "io", "ioq", "rq"], "sc");
  const latency =
    v.latency === undefined
      ? undefined
      : choiceFlag(v.latency, "--latency", ["all", "sampled"] as const, "all");
  const stacks =
    v.stacks === undefined
      ? undefined
      : choiceFlag(v.stacks, "--stacks", ["kernel", "user"] as const, "kernel");
  const plan = planQuery({
    dir: positionals[0] ?? process.env.TSNAP_DIR ?? DEFAULT_DIR,
    from: stringFlag(v.from),
    to: stringFlag(v.to),
    groups: v.group !== undefined ? listFlag(v.group) : undefined,
    addGroups: v["add-group"] !== undefined ? listFlag(v["add-group"]) : undefined,
    where: (v.where as string[] | undefined) ?? [],
    lat: stringFlag(v.lat),
    latency,
    weighting,
    hist,
    stacks,
    limit,
    sql: v.sql === undefined ? undefined : String(v.sql),
    nowUs: Date.now() * 1000,
  });
  const { result, problems } = await runQuery(plan, {
    problem: (p) => io.err(`tsnap: ${p}\n`),
    activeTitle: format === "table",
  });
  io.out(renderQueryResult(result, format, io.columns));
  return problems > 0 ? 1 : 0;
}

export const command: Command = {
  name: "query",
  summary: "analyse captured history by any columns (xtop)",
  help,
  run,
};
