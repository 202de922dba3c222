// What the interactive view shows, read through the query layer: the grouped table (the
// same planQuery → runQueryOn as `tsnap query`, so the numbers are its numbers), the
// timeline (avg threads per time bucket and state) and the values of a column for the
// picker. One History is kept open between keys; `reopen` re-reads the directory (new
// files of a running capture, the live mode's each refresh).
import { readdirSync } from "node:fs";
import { InputError } from "../../errors.js";
import { allColumnNames, column } from "../../query/columns.js";
import type { Row } from "../../query/duck.js";
import { parseFilter } from "../../query/filter.js";
import { runGroupQuery } from "../../query/group-query.js";
import {
  type HeatCell,
  HIST_FILTER_COLUMNS,
  type HistKind,
  hasHistograms,
  type KeyedHistogram,
  windowHeatmap,
  windowHistograms,
} from "../../query/hist-latency.js";
import { type History, openHistory } from "../../query/history.js";
import { type LiveHistory, openLiveHistory } from "../../query/live-history.js";
import { planQuery } from "../../query/plan.js";
import { runQueryOn } from "../../query/run-query.js";
import { type PickerItem, PROCESS_COLUMN } from "../../ui-model/view-picker.js";
import { filterText, timeText } from "../../ui-model/view-query.js";
import type { Peek, View } from "../../ui-model/view-state.js";
import { bucketSeconds, type Extent, effectiveWindow, type Window } from "../../ui-model/view-window.js";
import {
  type SelectionLanes,
  type SelectionStacks,
  selectionLanes,
  selectionStacks,
} from "./selection-data.js";

/** Rows fetched for the table (it is sorted and scrolled on screen). */
const TABLE_LIMIT = 1000;

export interface TimelinePoint {
  /** Bucket start, µs. */
  t: number;
  state: string;
  avg: number;
}

export interface Snapshot {
  /** The view these rows were read for (the screen shows them in its order until the next read). */
  view: View;
  extent: Extent;
  window: Window;
  columns: string[];
  rows: Row[];
  coveredSeconds: number;
  /** Latency kinds shown (sc, io, rq) and whether they come from histograms of every call. */
  latency: string[];
  histMode: boolean;
  bucketUs: number;
  timeline: TimelinePoint[];
  problems: string[];
}

/** A peek's data, by its tab. */
export type AnyPeekData =
  | ({ tab: "latency" } & PeekData)
  | ({ tab: "stacks" | "tiles" | "flame"; peek: Peek } & SelectionStacks)
  | ({ tab: "threads"; peek: Peek } & SelectionLanes);

/** A latency peek's data: per kind, the heatmap cells and the histograms of the row's selection. */
export interface PeekData {
  peek: Peek;
  window: Window;
  /** False: the files have no latency histograms (0x.tools files, the proc source). */
  available: boolean;
  /** The selection's filters the histograms cannot apply (no such column): "state=DISK". */
  ignored: string[];
  bucketUs: number;
  kinds: {
    kind: HistKind;
    cells: HeatCell[];
    hists: KeyedHistogram[];
    /** False when the selection's filters use columns the histograms lack (not narrowed). */
    filtered: boolean;
  }[];
}

export class UiData {
  private h: History | null = null;
  /** Live: the same History, kept in tables that each refresh appends to. */
  private liveH: LiveHistory | null = null;
  private names = "";
  private ext: Extent | null = null;

  /**
   * `defaultUs`: the window when the view has none (the last hour; live: the last N
   * minutes). `live`: the directory is being written and the view is re-read every
   * second: its last `defaultUs` is kept in tables (query/live-history.ts) that each
   * refresh appends the new rows to, and DuckDB gets one thread.
   */
  constructor(
    readonly dir: string,
    readonly defaultUs: number,
    readonly live = false,
  ) {}

  /** (Re)open the directory: new files and rows are seen. */
  async reopen(): Promise<void> {
    const names = listing(this.dir);
    const nowUs = Date.now() * 1000;
    const live = this.live ? await openLiveHistory(this.dir, this.defaultUs, 1) : null;
    const h = live ?? (await openHistory(this.dir, {}, nowUs));
    this.h?.close();
    this.h = h;
    this.liveH = live;
    this.names = names;
    this.ext = null;
  }

  /**
   * Before a refresh; false when nothing changed since the last one (live: no rows came
   * or went). History: rows appended to the open files are read by the next query as
   * they are (the views read the files at each query); a new or removed file needs a
   * reopen. Live: the rows appended since are added to the tables, the oldest dropped.
   */
  async refresh(): Promise<boolean> {
    if (this.liveH) {
      if (!(await this.liveH.update())) return false;
    } else if (!this.h || listing(this.dir) !== this.names) {
      await this.reopen();
      return true;
    }
    this.ext = null;
    return true;
  }

  /** The open directory (the web view's histograms and flame graphs query it too). */
  async history(): Promise<History> {
    if (!this.h) await this.reopen();
    return this.h!;
  }

  /** The data's first time and end (read once per (re)open or refresh). */
  async extent(): Promise<Extent> {
    const h = await this.history();
    if (!this.ext) {
      const r = await h.duck.all(
        "SELECT epoch_us(min(timestamp)) AS a, epoch_us(max(timestamp)) AS b FROM rounds",
      );
      if (r[0]?.b !== null && r[0]?.b !== undefined) h.endUs = Number(r[0].b) + 1;
      this.ext = { startUs: Number(r[0]?.a ?? h.endUs - 1), endUs: h.endUs };
    }
    return this.ext;
  }

  /**
   * The table and the timeline of a view; `timelineColumns` buckets the window. Without
   * `byState` the timeline is left empty (the web view stacks it by another column).
   */
  async load(view: View, timelineColumns: number, byState = true): Promise<Snapshot> {
    const h = await this.history();
    const extent = await this.extent();
    const window = effectiveWindow(view, extent, this.defaultUs);
    const where = filterText(view.filters);
    const problems: string[] = [];
    const nowUs = Date.now() * 1000;
    const plan = planQuery({
      dir: this.dir,
      from: timeText(window.fromUs),
      to: view.toUs === null ? undefined : timeText(view.toUs),
      groups: view.groups,
      where: where ? [where] : [],
      lat: view.latency ? undefined : "none",
      limit: TABLE_LIMIT,
      nowUs,
    });
    const { result } = await runQueryOn(h, plan, { problem: (p) => problems.push(p), activeTitle: false });
    if (result.kind !== "groups") throw new InputError("unexpected query result");
    const bucketS = bucketSeconds(window, timelineColumns);
    const timeline = byState ? await this.timeline(view, window, bucketS, nowUs) : [];
    return {
      view,
      extent,
      window,
      columns: result.columns,
      rows: result.rows,
      coveredSeconds: result.window.covered_seconds,
      latency: result.latency,
      histMode: result.histMode,
      bucketUs: bucketS * 1e6,
      timeline,
      problems,
    };
  }

  private async timeline(view: View, w: Window, bucketS: number, nowUs: number): Promise<TimelinePoint[]> {
    const h = await this.history();
    const where = filterText(view.filters);
    const rows = await runGroupQuery(h.duck, {
      groups: [column(`time_${bucketS}s`, "-g"), column("state", "-g")],
      filter: where ? parseFilter(where, nowUs, h.endUs) : null,
      fromUs: w.fromUs,
      toUs: w.toUs,
      latency: [],
      weighting: "event",
      limit: 0,
    });
    const name = `time_${bucketS}s`;
    return rows.rows.map((r) => ({
      t: Date.parse(`${String(r[name]).replace(" ", "T")}Z`) * 1000,
      state: String(r.state ?? "-"),
      avg: Number(r.avg_threads),
    }));
  }

  /**
   * `?`: the latency histograms of every syscall and block I/O of a row's selection over
   * the view's window, and their heatmap with about `columns` time buckets.
   */
  async peek(view: View, peek: Peek, columns: number): Promise<PeekData> {
    const h = await this.history();
    const window = effectiveWindow(view, await this.extent(), this.defaultUs);
    const bucketUs = bucketSeconds(window, columns) * 1e6;
    const usable = peek.filters.filter((f) => HIST_FILTER_COLUMNS.includes(f.column));
    const ignored = peek.filters
      .filter((f) => !usable.includes(f))
      .map((f) => `${f.column}${f.op}${f.value}`);
    if (!hasHistograms(h.catalog)) return { peek, window, available: false, ignored, bucketUs, kinds: [] };
    const where = filterText(usable);
    const filter = where ? parseFilter(where, Date.now() * 1000, h.endUs) : null;
    const kinds: PeekData["kinds"] = [];
    for (const kind of ["sc", "io"] as const) {
      const heat = await windowHeatmap(h.duck, window, kind, filter, bucketUs);
      const { hists, filtered } = await windowHistograms(h.duck, window, kind, filter);
      kinds.push({ kind, cells: heat.cells, hists, filtered: filter === null || filtered });
    }
    return { peek, window, available: true, ignored, bucketUs, kinds };
  }

  /** The stacks (top kernel and user stacks, flame stacks) of a row's selection over the view's window. */
  async peekStacks(view: View, peek: Peek): Promise<SelectionStacks> {
    const h = await this.history();
    const window = effectiveWindow(view, await this.extent(), this.defaultUs);
    return selectionStacks(h.duck, h.endUs, peek.filters, window);
  }

  /** Swimlanes of a row's busiest `threads` threads, about `columns` time buckets over the view's window. */
  async peekLanes(view: View, peek: Peek, columns: number, threads: number): Promise<SelectionLanes> {
    const h = await this.history();
    const window = effectiveWindow(view, await this.extent(), this.defaultUs);
    return selectionLanes(h.duck, h.endUs, peek.filters, window, bucketSeconds(window, columns), threads);
  }

  /**
   * Values of `col` in the view (its own filters left out), busiest first, for the picker.
   * Process ids (PROCESS_COLUMN) come with their name, searched too: the thread name
   * sampled most in that process.
   */
  async values(view: View, col: string, window: Window): Promise<PickerItem[]> {
    const h = await this.history();
    const where = filterText(view.filters.filter((f) => f.column !== col));
    const grouped = (groups: string[]) =>
      runGroupQuery(h.duck, {
        groups: groups.map((g) => column(g, "/")),
        filter: where ? parseFilter(where, Date.now() * 1000, h.endUs) : null,
        fromUs: window.fromUs,
        toUs: window.toUs,
        latency: [],
        weighting: "event",
        limit: 5000,
      });
    const rows = (await grouped([col])).rows.filter((r) => r[col] !== null && r[col] !== undefined);
    const avg = (r: Row) => Number(r.avg_threads).toFixed(2);
    if (col !== PROCESS_COLUMN) return rows.map((r) => ({ key: String(r[col]), note: avg(r) }));
    // Rows come busiest first: the first comm seen of a process is its busiest.
    const names = new Map<string, string>();
    for (const r of (await grouped([col, "comm"])).rows)
      if (!names.has(String(r[col])) && r.comm !== null) names.set(String(r[col]), String(r.comm));
    return rows.map((r) => {
      const name = names.get(String(r[col])) ?? "";
      return { key: String(r[col]), note: `${avg(r)}  ${name}`, search: name };
    });
  }

  /** The group-by choices: every column `tsnap query` knows, with its description. */
  columnItems(): PickerItem[] {
    const names = allColumnNames().filter((n) => !n.includes("<"));
    names.push("time_10s", "time_1m", "time_10m");
    return names.map((n) => ({ key: n, note: column(n, "-g").doc }));
  }

  close(): void {
    this.h?.close();
    this.h = null;
  }
}

/** The directory's file names, sorted, as one string ("" when it cannot be read). */
function listing(dir: string): string {
  try {
    return readdirSync(dir).sort().join("\n");
  } catch {
    return "";
  }
}
