// What a history query will do, decided before and after the files are opened: the
// grouping plan (columns, -g/-G), the latency policy (which latency kinds, from the
// in-kernel histograms or from completions joined to the samples) and the checks that
// refuse combinations that cannot be answered. No argv, no printing: any front end
// (cli/query.ts, a TUI, a web page) fills a QueryRequest.
import { InputError, UsageError } from "../errors.js";
import { column, type QueryColumn } from "./columns.js";
import type { Catalog } from "./discover.js";
import { DUCKDB_FILTER, parseFilter } from "./filter.js";
import type { LatencyKind, Weighting } from "./group-query.js";
import { HIST_KEY, type HistKind, hasHistograms } from "./hist-latency.js";

export const DEFAULT_GROUPS = ["state", "syscall"];

export interface QueryRequest {
  dir: string;
  /**
   * --engine: a fleet's tables on a ClickHouse server (clickhouse://HOST[:PORT]/DB) instead
   * of the capture directory `dir`; the same plan, run by fleet/engine-query.ts.
   */
  engine?: string;
  from?: string;
  to?: string;
  /** -g: group by exactly these (undefined: the default groups plus `addGroups`). */
  groups?: string[];
  /** -G: the default groups plus these. */
  addGroups?: string[];
  /** -w filters, ANDed. */
  where: string[];
  /** --lat as given ("sc,io", "none"); undefined: chosen from the groups. */
  lat?: string;
  /** --latency: all (histograms) or sampled (joined completions); undefined: all when the files have them. */
  latency?: "all" | "sampled";
  /** --weight (sampled latency): event (default) or sample. */
  weighting?: Weighting;
  hist?: HistKind;
  stacks?: "kernel" | "user";
  /** Rows to return, 0 = all. */
  limit: number;
  /** --sql: one read-only SELECT instead of a grouped query. */
  sql?: string;
  nowUs: number;
}

/** The request checked before any file is read. */
export interface QueryPlan {
  req: QueryRequest;
  groups: QueryColumn[];
  weighting: Weighting;
  /** Latency kinds asked for or chosen from the groups (narrowed by `decideLatency`). */
  latency: HistKind[];
  whereText: string;
}

/** Usage errors that need no file come first (flags, columns, -w syntax). */
export function planQuery(req: QueryRequest): QueryPlan {
  if (req.groups !== undefined && req.addGroups !== undefined)
    throw new UsageError("give -g or -G, not both");
  if (req.stacks !== undefined) {
    // --stacks lists whole stacks over the filtered window: nothing else to group or measure.
    const clash = (
      [
        [req.groups, "-g"],
        [req.addGroups, "-G"],
        [req.hist, "--hist"],
        [req.lat, "--lat"],
        [req.latency, "--latency"],
        [req.weighting, "--weight"],
      ] as const
    ).find(([given]) => given !== undefined);
    if (clash)
      throw new UsageError(
        `--stacks cannot be combined with ${clash[1]}: it ranks whole stacks over the window (narrow it with -w)`,
      );
  }
  const fleet = req.engine !== undefined;
  if (fleet) {
    // What a fleet's tables answer through tsnap query (tsnap fleet has --stacks and --hist).
    const clash = (
      [
        [req.sql, "--sql"],
        [req.stacks, "--stacks"],
        [req.hist, "--hist"],
        [req.latency === "sampled" ? req.latency : undefined, "--latency sampled"],
        [req.weighting, "--weight"],
      ] as const
    ).find(([given]) => given !== undefined);
    if (clash)
      throw new UsageError(
        `--engine answers grouped queries (-g, -G, -w, --lat, --from, --to), not ${clash[1]} (tsnap fleet has --stacks and --hist)`,
      );
  }
  const names = req.groups ?? [...DEFAULT_GROUPS, ...(req.addGroups ?? [])];
  const flag = req.groups !== undefined ? "-g" : "-G";
  const groups = [...new Set(names.map((n) => n.toLowerCase()))].map((n) => column(n, flag, fleet));
  const latency = latencyKinds(req.lat, groups, req.hist);
  const whereText = req.where.length === 1 ? req.where[0] : req.where.map((w) => `(${w})`).join(" AND ");
  // Usage errors in -w come before any file is read (times are re-resolved later).
  const lookup = (name: string, f: string) => column(name, f, fleet);
  if (req.where.length) parseFilter(whereText, req.nowUs, req.nowUs, { ...DUCKDB_FILTER, lookup });
  return { req, groups, weighting: req.weighting ?? "event", latency, whereText };
}

export interface LatencyDecision {
  /** Latency from the in-kernel histograms (every completion), not joined completions. */
  histMode: boolean;
  latency: HistKind[];
}

/** The latency policy, once the files are known: histograms when there are some. */
export function decideLatency(
  plan: QueryPlan,
  catalog: Pick<Catalog, "dir"> & { groups: readonly { table: string }[] },
): LatencyDecision {
  const { req, groups } = plan;
  let latency = plan.latency;
  const histArg = req.hist;
  const histMode = req.latency === "all" || (req.latency === undefined && hasHistograms(catalog));
  if (req.latency === "all" && !hasHistograms(catalog))
    throw new InputError(
      `${req.dir}: no latency histograms in these files (captured by the proc source, before schema v2, or by xcapture): use --latency sampled`,
    );
  if (!histMode && req.lat === undefined) latency = latency.filter((k) => k !== "rq");
  if (!histMode && (histArg === "ioq" || histArg === "rq" || latency.includes("rq")))
    throw new UsageError(
      `${histArg === "ioq" || histArg === "rq" ? `--hist ${histArg}` : "--lat rq"} needs latency histograms (tsnap capture with the bpf source)`,
    );
  if (histMode) {
    for (const k of latency) {
      const col = HIST_KEY[k].column;
      if (
        req.lat !== undefined &&
        !groups.some((g) => g.name === col || (k === "sc" && g.name === "syscall_active"))
      )
        throw new UsageError(
          `--lat ${k}: the histograms are per ${col}: group by ${col} (-g/-G ${col}), or use --latency sampled`,
        );
    }
  } else if (req.lat === undefined) {
    // Chosen automatically: only kinds the files have completions for (proc records none).
    const has = (t: string) => catalog.groups.some((g) => g.table === t);
    latency = latency.filter((k) => has(k === "sc" ? "syscend" : "iorqend") || k === histArg);
  }
  return { histMode, latency };
}

/** Joined-completion kinds for the grouped query (histogram kinds are added afterwards). */
export function sampledLatency(d: LatencyDecision): LatencyKind[] {
  return d.histMode ? [] : (d.latency as LatencyKind[]);
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
  const list = splitList(raw);
  if (list.length === 1 && list[0] === "none") return [];
  for (const k of list)
    if (k !== "sc" && k !== "io" && k !== "rq")
      throw new UsageError(`--lat must be sc, io, rq or none, got '${k}'`);
  return [...new Set(list)] as HistKind[];
}

function splitList(raw: string): string[] {
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
