// tsnap query: dimensional analysis of captured history (tsnap's own files and 0x.tools
// xcapture v3 files), xtop's text mode done right: correct avg_threads, parameterised
// filters, event-weighted latency, log2 histograms, top stacks, JSON/CSV output.
// Argv and printing only: planning is query/plan.ts, running query/run-query.ts,
// rendering query/render.ts.

import {
  flagHelp,
  listOptionFlag,
  optionalDecimalFlag,
  optionalOneOfFlag,
  parseFlags,
  switchFlag,
  textFlag,
} from "../command/args.js";
import type { Command, Io } from "../command/command.js";
import { formatFlag, fromFlag, groupFlag, histFlag, toFlag, whereFlag } from "../command/flags.js";
import { UsageError } from "../errors.js";
import { columnHelp } from "../query/columns.js";
import { planQuery } from "../query/plan.js";
import { renderQueryResult } from "../query/render.js";
import { runQuery } from "../query/run-query.js";

export const DEFAULT_DIR = "/var/lib/tsnap";
/** --max-rows: a fleet query reads at most this many rows unless told otherwise. */
const DEFAULT_MAX_ROWS = 1_000_000_000;

const FLAGS = {
  from: fromFlag,
  to: toFlag,
  group: groupFlag("group by these columns (default: state,syscall)"),
  addGroup: listOptionFlag({
    long: "add-group",
    short: "G",
    arg: "COLS",
    help: "group by the default columns plus these",
  }),
  where: whereFlag,
  lat: textFlag({
    long: "lat",
    arg: "KINDS",
    help: "latency columns: sc (syscalls), io (block I/O), rq (run queue), none (default: sc when grouping by syscall, io when by devname, rq when by tgid)",
  }),
  latency: optionalOneOfFlag({
    long: "latency",
    arg: "MODE",
    choices: ["all", "sampled"] as const,
    help: "all: every completion in the window, from the in-kernel histograms capture records (default when the files have them); sampled: only completions of calls the samples saw, joined to the samples (what the sampled threads waited for; xtop's view; leans to long calls)",
  }),
  weight: optionalOneOfFlag({
    long: "weight",
    arg: "MODE",
    choices: ["event", "sample"] as const,
    help: "with --latency sampled: event: each completion once per group (default); sample: once per sample that saw it (xtop)",
  }),
  hist: histFlag("per row"),
  stacks: optionalOneOfFlag({
    long: "stacks",
    arg: "KIND",
    choices: ["kernel", "user"] as const,
    help: "top kernel or user stacks instead of groups (narrow with -w; not with -g, -G, --hist, --lat, --latency, --weight)",
  }),
  limit: optionalDecimalFlag({
    long: "limit",
    arg: "N",
    min: 0,
    integer: true,
    help: "rows to show (0 = all) (default: 30 for table, all else)",
  }),
  format: formatFlag,
  sql: textFlag({
    long: "sql",
    arg: "SQL",
    help: "run one read-only SELECT over the views samples, syscend, iorqend, kstacks, ustacks, cgroups, rounds, partitions",
  }),
  columns: switchFlag({ long: "columns", help: "list the columns you can group and filter by" }),
  engine: textFlag({
    long: "engine",
    arg: "URL",
    help: "clickhouse://HOST[:PORT]/DB: a fleet's tables on a ClickHouse server (docs/fleet.md) instead of DIR; adds the host and service columns; user and password from $CLICKHOUSE_USER, $CLICKHOUSE_PASSWORD",
  }),
  maxRows: optionalDecimalFlag({
    long: "max-rows",
    arg: "N",
    min: 0,
    integer: true,
    help: `with --engine: stop a query that would read more rows than N (the server's max_rows_to_read; 0 = no bound) (default: ${DEFAULT_MAX_ROWS})`,
  }),
};

const help = `tsnap query [DIR] [options]: analyse captured thread activity (tsnap capture or
0x.tools xcapture v3 files) by any columns, for any time window.

DIR defaults to $TSNAP_DIR or ${DEFAULT_DIR}.

OPTIONS
${flagHelp(FLAGS)}
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
  tsnap query --engine clickhouse://ch1:8123/tsnap -g host,state -w "service=api" --from 14:00 --to 14:05
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  if (v.columns) {
    io.out(`Columns for -g, -G and -w:\n${columnHelp()}`);
    return 0;
  }
  const format = v.format;
  if (v.engine !== undefined && positionals[0] !== undefined)
    throw new UsageError("give a capture directory or --engine, not both");
  if (v.maxRows !== undefined && v.engine === undefined) throw new UsageError("--max-rows needs --engine");
  const plan = planQuery({
    dir: positionals[0] ?? process.env.TSNAP_DIR ?? DEFAULT_DIR,
    engine: v.engine,
    from: v.from,
    to: v.to,
    groups: v.group,
    addGroups: v.addGroup,
    where: v.where,
    lat: v.lat,
    latency: v.latency,
    weighting: v.weight,
    hist: v.hist,
    stacks: v.stacks,
    limit: v.limit ?? (format === "table" ? 30 : 0),
    sql: v.sql,
    nowUs: Date.now() * 1000,
  });
  if (plan.req.engine !== undefined) {
    const { runEngineQuery } = await import("../fleet/engine-query.js");
    const result = await runEngineQuery(plan, { maxRows: v.maxRows ?? DEFAULT_MAX_ROWS });
    io.out(renderQueryResult(result, format, io.columns));
    return 0;
  }
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
