// What the web view's API answers, read through the query layer: the grouped table and
// the window (ui/ui-data.ts, the same code as `tsnap ui`, so the numbers are those of
// `tsnap query`), the timeline stacked by any column, the log2 histograms of every
// syscall / block I/O of the window (query/hist-latency.ts), and the thread-state flame
// graph (flame/history-stacks.ts → tree.ts → svg.ts). One request at a time reaches
// DuckDB (a queue, bounded); live mode refreshes the data at most once a second.
import { InputError, TsnapError, UsageError } from "../../errors.js";
import { foldToLog2 } from "../../model/latency-buckets.js";
import { column } from "../../query/columns.js";
import { duckMessage } from "../../query/duck.js";
import { type FilterSql, parseFilter } from "../../query/filter.js";
import { runGroupQuery } from "../../query/group-query.js";
import { HIST_KEY, hasHistograms, windowHeatmap, windowHistograms } from "../../query/hist-latency.js";
import type { History } from "../../query/history.js";
import { formatTimestampUs } from "../../store/files.js";
import { filterText, queryCommand } from "../../ui-model/view-query.js";
import { displayTable, type View } from "../../ui-model/view-state.js";
import { bucketSeconds, effectiveWindow, type Window } from "../../ui-model/view-window.js";
import { diffFolded } from "../flame/folded.js";
import { historyStacks } from "../flame/history-stacks.js";
import { DEFAULT_SVG, renderSvg } from "../flame/svg.js";
import { flow } from "../flame/tree.js";
import { selectionLanes, selectionStacks } from "../ui/selection-data.js";
import { UiData } from "../ui/ui-data.js";
import type {
  FlameParams,
  HeatParams,
  HistParams,
  LanesParams,
  ValuesParams,
  ViewParams,
} from "./serve-params.js";

/** Series of a timeline stacked by a column other than state: the busiest, then "other". */
const MAX_SERIES = 10;
/** Rows of a timeline query (buckets × values) read at most. */
const MAX_TIMELINE_ROWS = 200_000;
/** Histograms per kind (the keys with most completions). */
const MAX_HISTS = 8;
/** Requests waiting for DuckDB before new ones are refused (503). */
const MAX_QUEUE = 16;

export interface Source {
  /** The capture directory (live: the private in-memory one). */
  dir: string;
  /** Window when the view has none: the last hour (live: the last N minutes). */
  defaultUs: number;
  /** Live: re-read the directory before answering, at most once a second. */
  live: boolean;
  /** "history /var/lib/tsnap", "live: bpf source, 5 Hz, last 10 min" */
  describe: string;
}

export class BusyError extends TsnapError {}

export class WebData {
  private readonly ui: UiData;
  private chain: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private openedAt = 0;
  private closed = false;

  constructor(readonly source: Source) {
    this.ui = new UiData(source.dir, source.defaultUs, source.live);
  }

  /** Runs `fn` after every earlier request (one DuckDB connection); errors as one line. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.waiting >= MAX_QUEUE) return Promise.reject(new BusyError("busy: too many requests waiting"));
    this.waiting++;
    const run = async () => {
      try {
        // Requests still queued at shutdown are refused: DuckDB is closed (or about to be).
        if (this.closed) throw new BusyError("busy: the server is stopping");
        if (this.source.live && Date.now() - this.openedAt >= 1000) {
          // The rows appended since join the live tables (ui-data.ts, query/live-history.ts).
          await this.ui.refresh();
          this.openedAt = Date.now();
        }
        return await fn();
      } catch (err) {
        if (err instanceof TsnapError) throw err;
        throw new InputError(`query failed: ${duckMessage(err)}`);
      } finally {
        this.waiting--;
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Read the files now (history: once at start, so unreadable files are said before serving). */
  async open(): Promise<void> {
    await this.serial(async () => {
      await this.ui.reopen();
      this.openedAt = Date.now();
    });
  }

  private async windowOf(view: View): Promise<{ h: History; w: Window; filter: FilterSql | null }> {
    const h = await this.ui.history();
    const w = effectiveWindow(view, await this.ui.extent(), this.source.defaultUs);
    const where = filterText(view.filters);
    return { h, w, filter: where ? parseFilter(where, Date.now() * 1000, h.endUs) : null };
  }

  info() {
    return this.serial(async () => {
      const extent = await this.ui.extent();
      const h = await this.ui.history();
      return {
        source: this.source.describe,
        live: this.source.live,
        dir: this.source.live ? null : this.source.dir,
        extent,
        defaultUs: this.source.defaultUs,
        histograms: hasHistograms(h.catalog),
        problems: h.catalog.problems,
        columns: this.ui.columnItems().map((c) => ({ name: c.key, doc: c.note })),
      };
    });
  }

  /** The table, the window and the timeline of a view. */
  view(p: ViewParams) {
    return this.serial(async () => {
      const snap = await this.ui.load(p.view, p.buckets, p.by === "state");
      const table = displayTable(p.view, snap.columns, snap.rows);
      if (p.view.sort && !table.columns.includes(p.view.sort.column))
        throw new UsageError(`sort: no column '${p.view.sort.column}' in this table`);
      let timeline = snap.timeline.map((x) => ({ t: x.t, key: x.state, avg: x.avg }));
      let capped = false;
      if (p.by !== "state") ({ points: timeline, capped } = await this.timelineBy(p.view, snap.window, p));
      const series = seriesOrder(timeline);
      return {
        window: {
          fromUs: snap.window.fromUs,
          toUs: snap.window.toUs,
          from: formatTimestampUs(snap.window.fromUs),
          to: formatTimestampUs(snap.window.toUs),
          zoomed: p.view.fromUs !== null,
        },
        extent: snap.extent,
        coveredSeconds: snap.coveredSeconds,
        bucketUs: snap.bucketUs,
        by: p.by,
        series,
        timeline,
        timelineCapped: capped,
        table,
        /** The query's row limit was reached: the table shows the busiest rows only. */
        tableCapped: snap.rows.length >= 1000,
        latency: snap.latency,
        histMode: snap.histMode,
        problems: snap.problems,
        command: this.source.live ? null : queryCommand(p.view, this.source.dir),
      };
    });
  }

  private async timelineBy(view: View, w: Window, p: ViewParams) {
    const { h, filter } = await this.windowOf(view);
    const bucketS = bucketSeconds(w, p.buckets);
    const name = `time_${bucketS}s`;
    const res = await runGroupQuery(h.duck, {
      groups: [column(name, "by"), column(p.by, "by")],
      filter,
      fromUs: w.fromUs,
      toUs: w.toUs,
      latency: [],
      weighting: "event",
      limit: MAX_TIMELINE_ROWS,
    });
    const total = new Map<string, number>();
    const raw = res.rows.map((r) => {
      const key = r[p.by] === null || r[p.by] === undefined ? "-" : String(r[p.by]);
      const avg = Number(r.avg_threads);
      total.set(key, (total.get(key) ?? 0) + avg);
      return { t: Date.parse(`${String(r[name]).replace(" ", "T")}Z`) * 1000, key, avg };
    });
    const keep = new Set(
      [...total]
        .sort((a, b) => b[1] - a[1])
        .slice(0, MAX_SERIES)
        .map(([k]) => k),
    );
    const merged = new Map<string, { t: number; key: string; avg: number }>();
    for (const x of raw) {
      const key = keep.has(x.key) ? x.key : "other";
      const id = `${x.t}\u0000${key}`;
      const m = merged.get(id) ?? { t: x.t, key, avg: 0 };
      m.avg += x.avg;
      merged.set(id, m);
    }
    return { points: [...merged.values()], capped: res.rows.length >= MAX_TIMELINE_ROWS };
  }

  /** Log2 histograms (µs) of every completion of one kind in the view's window. */
  hist(p: HistParams) {
    return this.serial(async () => {
      const { h, w, filter } = await this.windowOf(p.view);
      const what = HIST_KEY[p.kind].what;
      if (!hasHistograms(h.catalog))
        return { kind: p.kind, what, available: false, filtered: false, hists: [] };
      const { hists, filtered } = await windowHistograms(h.duck, w, p.kind, filter);
      return {
        kind: p.kind,
        what,
        label: HIST_KEY[p.kind].label,
        available: true,
        /** False when the view has filters the histograms cannot apply (they lack the columns). */
        filtered: filter === null || filtered,
        hists: hists
          .slice(0, MAX_HISTS)
          .map((x) => ({ key: x.key, comm: x.comm, n: x.n, slots: foldToLog2(x.counts) })),
      };
    });
  }

  /**
   * Completions of one kind per time bucket and log2 slot (the latency × time heatmap),
   * every key of the selection summed; buckets as the timeline's for `cols` columns.
   */
  heatmap(p: HeatParams) {
    return this.serial(async () => {
      const { h, w, filter } = await this.windowOf(p.view);
      const what = HIST_KEY[p.kind].what;
      const bucketUs = bucketSeconds(w, p.buckets) * 1e6;
      const base = { kind: p.kind, what, window: w, bucketUs };
      if (!hasHistograms(h.catalog)) return { ...base, available: false, filtered: false, cells: [] };
      const { cells, filtered } = await windowHeatmap(h.duck, w, p.kind, filter, bucketUs);
      return { ...base, available: true, filtered: filter === null || filtered, cells };
    });
  }

  /**
   * The thread-state flame graph of the view's window and filters, as an SVG document;
   * with a base window, the differential one (widths: the view's window; red: more avg
   * threads than in the base window, blue: fewer; difffolded's semantics).
   */
  flame(p: FlameParams) {
    return this.serial(async () => {
      const { h, w, filter } = await this.windowOf(p.view);
      const stacksOf = async (win: Window) =>
        (await historyStacks(h.duck, { levels: p.levels, filter, ...win, keepOffsets: false })).stacks;
      let stacks = await stacksOf(w);
      if (p.base) stacks = diffFolded(await stacksOf(p.base), stacks);
      if (stacks.length === 0) stacks = [{ frames: ["(no samples)"], count: 0 }];
      const where = filterText(p.view.filters);
      const span = (x: Window) => `${formatTimestampUs(x.fromUs)} → ${formatTimestampUs(x.toUs)}`;
      return renderSvg(flow(stacks), {
        ...DEFAULT_SVG,
        title: p.base ? "Thread states: differential" : "Thread states",
        subtitle: `${span(w)}${p.base ? ` against ${span(p.base)}` : ""}${where ? `, ${where}` : ""}; ${p.levels.map((l) => l.name).join(" → ")}; widths in avg threads${p.base ? "; red more, blue fewer than before" : ""}`,
        countName: "avg threads",
        diff: p.base !== null,
      });
    });
  }

  /** The top kernel and user stacks of the view (`tsnap query --stacks kernel|user`'s rows). */
  stacks(p: { view: View }) {
    return this.serial(async () => {
      const { h, w } = await this.windowOf(p.view);
      const s = await selectionStacks(h.duck, h.endUs, p.view.filters, w);
      return { window: w, coveredSeconds: s.coveredSeconds, kernel: s.kernel, user: s.user };
    });
  }

  /** Per-thread swimlanes of the view's busiest threads: the state sampled most per time bucket. */
  lanes(p: LanesParams) {
    return this.serial(async () => {
      const { h, w } = await this.windowOf(p.view);
      return selectionLanes(h.duck, h.endUs, p.view.filters, w, bucketSeconds(w, p.buckets), p.threads);
    });
  }

  /** Values of a column in the view (its own filters left out), busiest first. */
  values(p: ValuesParams) {
    return this.serial(async () => {
      const { w } = await this.windowOf(p.view);
      const items = await this.ui.values(p.view, p.column, w);
      return {
        column: p.column,
        // Process ids (column tgid) come with their name: the thread name sampled most.
        values: items.slice(0, 500).map((i) => ({
          value: i.key,
          avg: Number.parseFloat(i.note),
          ...(i.search ? { name: i.search } : {}),
        })),
      };
    });
  }

  /**
   * Refuses the requests still waiting, lets the one running end, then closes DuckDB (a
   * database closed under a running query left the process alive after SIGTERM).
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    this.ui.close();
  }
}

/** Series keys, largest total first (the bottom of the stack). */
function seriesOrder(points: readonly { key: string; avg: number }[]): string[] {
  const total = new Map<string, number>();
  for (const x of points) total.set(x.key, (total.get(x.key) ?? 0) + x.avg);
  return [...total].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
}
