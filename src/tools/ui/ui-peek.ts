// The `?` peek of `tsnap ui` as text (xtop's peek): for the selected row's threads over the
// view's window, per kind (syscalls, block I/O) a latency × time heatmap drawn with shade
// characters (the grid of ui-model/heat-grid.ts, which the web view draws as SVG: one
// character per time bucket, one line per log2 slot, highest on top, ░▒▓█ on a log
// scale), then bcc's log2 histograms of the busiest keys (report/latency-hists-text.ts).
// Pure: data, width and height in, lines out; shades are characters, so NO_COLOR loses nothing.
import { HIST_KEY } from "../../query/hist-latency.js";
import { renderLatencyHists } from "../../report/latency-hists-text.js";
import { heatGrid, heatLevel, slotLabel } from "../../ui-model/heat-grid.js";
import { PEEK_TABS, type Peek } from "../../ui-model/view-state.js";
import type { AnyPeekData, PeekData } from "./ui-data.js";
import { laneLines } from "./ui-lanes.js";
import { flameLines, tileLines, topStacksLines } from "./ui-peek-stacks.js";
import { type ColorMode, fit, REVERSE, visibleLength } from "./ui-style.js";

const SHADES = [" ", "░", "▒", "▓", "█"];
/** Width of a heatmap line's slot label ("524ms "). */
export const PEEK_LABEL = 7;
/** Histograms printed per kind at most. */
const HISTS_PER_KIND = 3;

const clock = (us: number) => new Date(us / 1000).toISOString().slice(11, 19);

/** The heatmap of one kind: a line per slot, then the time axis. */
export function heatLines(cells: PeekData["kinds"][number]["cells"], d: PeekData, W: number): string[] {
  const g = heatGrid(cells, d.window, d.bucketUs);
  if (g.total === 0) return ["  no completions in this window"];
  const cols = Math.max(1, W - PEEK_LABEL - 1);
  const out: string[] = [];
  for (let row = g.slots.length - 1; row >= 0; row--) {
    const line = g.counts[row]
      .slice(0, cols)
      .map((n) => SHADES[heatLevel(n, g.max, SHADES.length - 1)])
      .join("");
    out.push(`${slotLabel(g.slots[row]).padStart(PEEK_LABEL - 1)} ${line}`);
  }
  const span = Math.min(cols, g.times.length);
  const left = clock(g.times[0]);
  const right = clock(g.times[span - 1] + g.bucketUs);
  const axis = span > left.length + right.length ? `${left}${right.padStart(span - left.length)}` : left;
  out.push(`${" ".repeat(PEEK_LABEL)}${axis}`);
  out.push(
    `${" ".repeat(PEEK_LABEL)}${g.total} calls; a column is ${g.bucketUs / 1e6} s; darkest ${g.max} in one cell`,
  );
  return out;
}

const TITLES: Record<Peek["tab"], string> = {
  latency: "latency of every call",
  stacks: "top stacks",
  tiles: "stacktiles",
  flame: "thread-state icicle",
  threads: "thread swimlanes",
};

/** Exactly `n` lines of the peek for a terminal `W` wide. */
export function peekPanel(d: AnyPeekData | null, p: Peek, W: number, n: number, mode: ColorMode): string[] {
  const tabs = PEEK_TABS.map((t) => (t === p.tab ? `[${t}]` : t)).join(" ");
  const out = [REVERSE(fit(` peek: ${p.label}: ${TITLES[p.tab]} · ${tabs} · Tab ↑↓, other keys close`, W))];
  let body: string[];
  if (d === null) body = ["  reading…"];
  else if (d.tab === "latency") body = latencyLines(d, W);
  else if (d.tab === "threads") body = laneLines(d, W, mode);
  else if (d.tab === "stacks") body = topStacksLines(d).map((l) => ` ${l}`);
  else if (d.tab === "tiles") body = tileLines(d, W);
  else body = flameLines(d, W, mode);
  const scrolls = d !== null && d.tab !== "latency" && d.tab !== "threads";
  const room = n - 1;
  const from = scrolls ? Math.min(p.scroll, Math.max(0, body.length - room)) : 0;
  for (const l of body.slice(from, from + room)) out.push(visibleLength(l) > W ? fit(l, W) : l);
  if (scrolls && from + room < body.length)
    out[out.length - 1] = fit(`  … ${body.length - from - room + 1} more lines (↓)`, W);
  while (out.length < n) out.push("");
  return out.slice(0, n);
}

function latencyLines(d: PeekData, W: number): string[] {
  const out: string[] = [];
  if (!d.available)
    out.push(
      fit("  no latency histograms in these files (tsnap capture with the bpf source records them)", W),
    );
  else {
    if (d.ignored.length)
      out.push(fit(`  ${d.ignored.join(" ")}: not applied (the histograms have no such column)`, W));
    for (const k of d.kinds) {
      out.push(
        fit(
          ` ${HIST_KEY[k.kind].what}${k.filtered ? "" : " (not narrowed: the histograms lack the filter's columns)"}`,
          W,
        ),
      );
      out.push(...heatLines(k.cells, d, W).map((l) => fit(l, W)));
      const text = renderLatencyHists(
        k.hists.slice(0, HISTS_PER_KIND).map((x) => ({ label: HIST_KEY[k.kind].label, ...x })),
      );
      for (const l of text.split("\n")) if (l.trim() !== "") out.push(fit(l, W));
    }
  }
  return out;
}
