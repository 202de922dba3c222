// tsnap query: dimensional analysis of captured history (tsnap's own files and 0x.tools
// xcapture v3 files), xtop's text mode done right: correct avg_threads, parameterised
// filters, event-weighted latency, log2 histograms, top stacks, JSON/CSV output.
import { InputError, TsnapError, UsageError } from "../errors.js";
import { statColumns } from "../model/latency-buckets.js";
import { ACTIVE_STATES, type ThreadState } from "../model/sample.js";
import { column, columnHelp, type QueryColumn } from "../query/columns.js";
import { type Duck, duckMessage } from "../query/duck.js";
import { type FilterSql, parseFilter } from "../query/filter.js";
import {
  type GroupQuery,
  type LatencyKind,
  onlyActiveStates,
  runGroupQuery,
  type Weighting,
} from "../query/group-query.js";
import { HIST_KEY, type HistKind, hasHistograms, windowHistograms } from "../query/hist-latency.js";
import { openHistory, resolveWindow, runHistogram, runTopStacks } from "../query/history.js";
import { runReadOnlySql } from "../query/raw-sql.js";
import { renderLatencyHists } from "../report/latency-hists-text.js";
import { renderLog2Hist } from "../report/log2-hist.js";
import { type Cell, renderCsv, renderTable, toJson } from "../report/table.js";
import { formatTimestampUs } from "../store/files.js";
import { choiceFlag, listFlag, numberFlag, parseArgs, stringFlag } from "./args.js";
import type { Command, Io } from "./command.js";

export const DEFAULT_DIR = "/var/lib/tsnap";
const DEFAULT_GROUPS = ["state", "syscall"];
type Format = "table" | "json" | "csv";

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
  --format FMT          table, json or csv                        [default: table]
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
  const format = choiceFlag<Format>(v.format, "--format", ["table", "json", "csv"], "table");
  const weighting = choiceFlag<Weighting>(v.weight, "--weight", ["event", "sample"], "event");
  const limit = numberFlag(v.limit, "--limit", {
    min: 0,
    integer: true,
    fallback: format === "table" ? 30 : 0,
  });
  const histArg =
    v.hist === undefined
      ? undefined
      : choiceFlag<HistKind>(v.hist, "--hist", ["sc", "io", "ioq", "rq"], "sc");
  const latencyMode =
    v.latency === undefined
      ? undefined
      : choiceFlag(v.latency, "--latency", ["all", "sampled"] as const, "all");
  const stacks =
    v.stacks === undefined ? undefined : choiceFlag(v.stacks, "--stacks", ["kernel", "user"], "kernel");
  if (v.group !== undefined && v["add-group"] !== undefined) throw new UsageError("give -g or -G, not both");
  if (stacks !== undefined) {
    // --stacks lists whole stacks over the filtered window: nothing else to group or measure.
    const clash = (
      [
        ["group", "-g"],
        ["add-group", "-G"],
        ["hist", "--hist"],
        ["lat", "--lat"],
        ["latency", "--latency"],
        ["weight", "--weight"],
      ] as const
    ).find(([k]) => v[k] !== undefined);
    if (clash)
      throw new UsageError(
        `--stacks cannot be combined with ${clash[1]}: it ranks whole stacks over the window (narrow it with -w)`,
      );
  }
  const groupNames =
    v.group !== undefined ? listFlag(v.group) : [...DEFAULT_GROUPS, ...listFlag(v["add-group"])];
  const flag = v.group !== undefined ? "-g" : "-G";
  const groups: QueryColumn[] = [...new Set(groupNames.map((n) => n.toLowerCase()))].map((n) =>
    column(n, flag),
  );
  let latency = latencyKinds(stringFlag(v.lat), groups, histArg);
  const dir = positionals[0] ?? process.env.TSNAP_DIR ?? DEFAULT_DIR;
  const nowUs = Date.now() * 1000;
  const from = stringFlag(v.from);
  const to = stringFlag(v.to);

  const wheres = (v.where as string[] | undefined) ?? [];
  const whereText = wheres.length === 1 ? wheres[0] : wheres.map((w) => `(${w})`).join(" AND ");
  // Usage errors in -w come before any file is read (times are re-resolved below).
  if (wheres.length) parseFilter(whereText, nowUs, nowUs);

  const h = await openHistory(dir, { from, to }, nowUs);
  try {
    for (const p of h.catalog.problems) io.err(`tsnap: ${p}\n`);
    const histMode = latencyMode === "all" || (latencyMode === undefined && hasHistograms(h.catalog));
    if (latencyMode === "all" && !hasHistograms(h.catalog))
      throw new InputError(
        `${dir}: no latency histograms in these files (captured by the proc source, before schema v2, or by xcapture): use --latency sampled`,
      );
    if (!histMode && v.lat === undefined) latency = latency.filter((k) => k !== "rq");
    if (!histMode && (histArg === "ioq" || histArg === "rq" || latency.includes("rq")))
      throw new UsageError(
        `${histArg === "ioq" || histArg === "rq" ? `--hist ${histArg}` : "--lat rq"} needs latency histograms (tsnap capture with the bpf source)`,
      );
    const hist = histArg as LatencyKind | undefined;
    if (histMode) {
      for (const k of latency) {
        const col = HIST_KEY[k].column;
        if (
          v.lat !== undefined &&
          !groups.some((g) => g.name === col || (k === "sc" && g.name === "syscall_active"))
        )
          throw new UsageError(
            `--lat ${k}: the histograms are per ${col}: group by ${col} (-g/-G ${col}), or use --latency sampled`,
          );
      }
    } else if (v.lat === undefined) {
      // Chosen automatically: only kinds the files have completions for (proc records none).
      const has = (t: string) => h.catalog.groups.some((g) => g.table === t);
      latency = latency.filter((k) => has(k === "sc" ? "syscend" : "iorqend") || k === hist);
    }
    const status = h.catalog.problems.length > 0 ? 1 : 0;
    if (v.sql !== undefined) {
      const res = await runReadOnlySql(h.duck, String(v.sql));
      io.out(emit(format, res.columns, res.rows, { rows: res.rows }));
      return status;
    }
    const win = resolveWindow(h, from, to, nowUs);
    const filter = wheres.length ? parseFilter(whereText, nowUs, h.endUs) : null;
    const q: GroupQuery = {
      groups,
      filter,
      ...win,
      latency: histMode ? [] : (latency as LatencyKind[]),
      weighting,
      limit,
    };
    const res = await runGroupQuery(h.duck, q).catch(queryFailed);
    const window = {
      from: formatTimestampUs(win.fromUs),
      to: formatTimestampUs(win.toUs),
      covered_seconds: res.coveredSeconds,
    };
    const weightingWords =
      weighting === "event"
        ? "per event (each completion once per group)"
        : "per sample (a completion once per sample that saw it)";
    if (stacks) {
      const rows = await runTopStacks(
        h.duck,
        q,
        stacks as "kernel" | "user",
        res.coveredSeconds,
        limit || 20,
      ).catch(queryFailed);
      io.out(format === "json" ? `${toJson({ window, stacks: rows }, 2)}\n` : renderStacks(rows, format));
      return status;
    }
    if (histArg && histMode) {
      const { hists, filtered } = await windowHistograms(h.duck, win, histArg, filter).catch(queryFailed);
      const top = hists.slice(0, limit || 10);
      if (format === "json") {
        io.out(
          `${toJson({ window, kind: histArg, unit: "usecs", latency: "all completions", filtered, histograms: top.map((x) => ({ key: x.key, comm: x.comm, n: x.n, ...statColumns(histArg, x.counts), buckets: Object.fromEntries(x.counts) })) }, 2)}\n`,
        );
        return status;
      }
      io.out(
        `${HIST_KEY[histArg].what}, every completion ${window.from} → ${window.to}${filter && !filtered ? " (-w does not narrow histograms: it uses columns they lack)" : ""}\n`,
      );
      io.out(renderLatencyHists(top.map((x) => ({ label: HIST_KEY[histArg].label, ...x }))));
      if (top.length === 0) io.out("no completions in this window\n");
      return status;
    }
    if (hist) {
      const hs = await runHistogram(h.duck, q, hist, limit || 10).catch(queryFailed);
      if (format === "json")
        io.out(`${toJson({ window, kind: hist, unit: "usecs", weighting: "event", histograms: hs }, 2)}\n`);
      else {
        for (const hg of hs) {
          const key = groups.map((g) => `${g.name}=${hg.key[g.name] ?? "-"}`).join(" ");
          io.out(
            `\n${hist === "sc" ? "syscall" : "I/O"} latency${key ? ` for ${key}` : ""} (${hg.events} completions, each once)\n`,
          );
          io.out(renderLog2Hist(hg.counts, "usecs"));
        }
        if (hs.length === 0) io.out("no completions in this window (the proc source records none)\n");
      }
      return status;
    }
    let histNote = "";
    if (histMode && latency.length > 0)
      histNote = await addHistColumns(h.duck, res.rows, latency, groups, win, filter);
    if (histMode)
      for (const k of latency)
        if (!res.columns.includes(`${k}_n`)) res.columns.push(...Object.keys(statColumns(k, undefined)));
    const order = ["samples", "avg_threads", ...groups.map((g) => g.name)];
    const columns = [...order, ...res.columns.filter((c) => !order.includes(c))];
    if (format === "json") {
      io.out(
        `${toJson({ window, group_by: groups.map((g) => g.name), latency: latency.length ? (histMode ? "all completions" : "sampled") : null, latency_weighting: latency.length && !histMode ? weighting : null, rows: res.rows }, 2)}\n`,
      );
    } else if (format === "csv") {
      io.out(
        renderCsv(
          columns,
          res.rows.map((r) => columns.map((c) => r[c] as Cell)),
        ),
      );
    } else {
      io.out(
        `${await rowsTitle(h.duck, q, res.rows)} ${window.from} → ${window.to} UTC/naive, ${round(res.coveredSeconds)} s covered by data\n`,
      );
      if (latency.length && histMode)
        io.out(
          `latency in µs over EVERY completion in the window (in-kernel histograms${histNote}): ${latency.map((k) => `${k}_* per ${HIST_KEY[k].column}`).join(", ")}, not split by other group columns\n`,
        );
      else if (latency.length)
        io.out(
          `latency in µs, SAMPLED: only completions of calls the samples saw (leans to long calls), ${weightingWords}${hasHistograms(h.catalog) ? "" : "; these files have no histograms of every call"}\n`,
        );
      io.out("\n");
      io.out(
        renderTable(
          columns,
          res.rows.map((r) => columns.map((c) => r[c] as Cell)),
          { maxCellWidth: 80, fixedDecimals: [1] },
        ),
      );
    }
    return status;
  } finally {
    h.close();
  }
}

/**
 * The table's title says what the rows are: "Active Threads" only when every sample in
 * the result is RUN, RUNQ or DISK (a capture without -a, or a -w on state).
 */
async function rowsTitle(duck: Duck, q: GroupQuery, rows: Record<string, unknown>[]): Promise<string> {
  const activeOnly = q.groups.some((g) => g.name === "state")
    ? rows.every((r) => ACTIVE_STATES.has(String(r.state) as ThreadState))
    : await onlyActiveStates(duck, q).catch(queryFailed);
  return activeOnly ? "=== Active Threads ===" : "=== All Sampled Threads (sleeping ones too) ===";
}

/** Latency columns from the histograms, joined to the rows on their syscall/devname/tgid. */
async function addHistColumns(
  duck: Parameters<typeof windowHistograms>[0],
  rows: Record<string, unknown>[],
  kinds: HistKind[],
  groups: QueryColumn[],
  win: { fromUs: number; toUs: number },
  filter: FilterSql | null,
): Promise<string> {
  let note = "";
  for (const k of kinds) {
    const { hists, filtered } = await windowHistograms(duck, win, k, filter).catch(queryFailed);
    if (filter && !filtered) note = "; -w does not narrow them: it uses columns they lack";
    const byKey = new Map(hists.map((x) => [x.key, x.counts]));
    const col = groups.some((g) => g.name === HIST_KEY[k].column) ? HIST_KEY[k].column : "syscall_active";
    for (const r of rows) Object.assign(r, statColumns(k, byKey.get(String(r[col]))));
  }
  return note;
}

/** A DuckDB failure at query time (e.g. a regex RE2 rejects): one line, not a stack. */
function queryFailed(err: unknown): never {
  if (err instanceof TsnapError) throw err;
  throw new InputError(`query failed: ${duckMessage(err)}`);
}

function latencyKinds(
  raw: string | undefined,
  groups: QueryColumn[],
  hist: HistKind | undefined,
): HistKind[] {
  if (raw === undefined) {
    const names = new Set(groups.map((g) => g.name));
    const out: HistKind[] = [];
    if (names.has("syscall") || names.has("syscall_active")) out.push("sc");
    if (names.has("devname")) out.push("io");
    if (names.has("tgid")) out.push("rq");
    if ((hist === "sc" || hist === "io") && !out.includes(hist)) out.push(hist);
    return out;
  }
  const list = listFlag(raw);
  if (list.length === 1 && list[0] === "none") return [];
  for (const k of list)
    if (k !== "sc" && k !== "io" && k !== "rq")
      throw new UsageError(`--lat must be sc, io, rq or none, got '${k}'`);
  return [...new Set(list)] as HistKind[];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function emit(format: Format, columns: string[], rows: Record<string, unknown>[], json: unknown): string {
  if (format === "json") return `${toJson(json, 2)}\n`;
  const cells = rows.map((r) => columns.map((c) => r[c] as Cell));
  return format === "csv" ? renderCsv(columns, cells) : renderTable(columns, cells, { maxCellWidth: 120 });
}

function renderStacks(rows: Awaited<ReturnType<typeof runTopStacks>>, format: Format): string {
  const cols = ["samples", "avg_threads", "hash", "frames"];
  const cells = rows.map(
    (r) =>
      [r.samples, r.avg_threads, r.hash ?? "-", r.frames ? r.frames.join(";") : "(unresolved)"] as Cell[],
  );
  if (format === "csv") return renderCsv(cols, cells);
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${r.avg_threads.toFixed(2)} avg_threads  ${r.samples} samples  ${r.hash ?? "(no stack)"}`);
    if (r.frames) for (const f of r.frames) out.push(`    ${f}`);
    else if (r.hash) out.push("    (unresolved: no dictionary entry for this hash)");
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

export const command: Command = {
  name: "query",
  summary: "analyse captured history by any columns (xtop)",
  help,
  run,
};
