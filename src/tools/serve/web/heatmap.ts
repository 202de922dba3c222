// The latency × time heatmap of one kind (an /api/heatmap answer): the grid of the shared
// model (heat-grid.js: a column per time bucket, a row per log2 slot, shades on a log
// scale) drawn as SVG rectangles, one per non-empty cell, each carrying its bucket, slot
// and count (data-t, data-slot, data-n) and a tooltip. Dragging across it selects a
// window as on the timeline (onBrush(fromUs, toUs)).
// Browser code, kept as plain JavaScript (tsc only copies it to dist/ for the package):
// @ts-nocheck
import { heatGrid, heatLevel, slotLabel, slotRange } from "/model/heat-grid.js";
import { brushOn } from "/timeline.js";

const SVG = "http://www.w3.org/2000/svg";
const LEVELS = 8;
/** Light yellow to dark red, as Grafana's and Brendan Gregg's latency heatmaps. */
const SHADES = ["#fff5d0", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#993404", "#662506"];
const PAD = { left: 52, right: 8, top: 4, bottom: 18 };
const ROW_H = 11;

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

const clock = (us) => new Date(us / 1000).toISOString().slice(11, 19);

export function drawHeatmap(div, a, onBrush) {
  const title = document.createElement("h3");
  title.textContent = `${a.what}: completions per ${a.bucketUs / 1e6} s and log2 slot`;
  const note = document.createElement("p");
  note.className = "muted";
  if (!a.available) {
    note.textContent =
      "no latency histograms in these files (tsnap capture with the bpf source records them)";
    div.replaceChildren(title, note);
    return;
  }
  const g = heatGrid(a.cells, a.window, a.bucketUs);
  if (!a.filtered) note.textContent = "not narrowed by the filters: the histograms have no such columns";
  if (g.total === 0) {
    note.textContent = "no completions in this window";
    div.replaceChildren(title, note);
    return;
  }
  const W = Math.max(300, div.clientWidth || 600);
  const plotW = W - PAD.left - PAD.right;
  const plotH = g.slots.length * ROW_H;
  const H = plotH + PAD.top + PAD.bottom;
  const svg = el("svg", {
    class: "heatmap",
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    "data-kind": a.kind,
    "data-bucket-us": g.bucketUs,
    "data-total": g.total,
  });
  const from = a.window.fromUs;
  const to = a.window.toUs;
  const xOf = (t) => PAD.left + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * plotW;
  // Highest slot at the top, as latency axes go.
  const yOf = (row) => PAD.top + (g.slots.length - 1 - row) * ROW_H;
  g.slots.forEach((slot, row) => {
    if (g.slots.length > 12 && row % 2 === 1) return;
    const label = el("text", { x: PAD.left - 4, y: yOf(row) + ROW_H - 2, "text-anchor": "end" }, svg);
    label.textContent = slotLabel(slot);
  });
  const cells = el("g", { class: "cells" }, svg);
  g.counts.forEach((cols, row) => {
    cols.forEach((n, col) => {
      if (n === 0) return;
      const t = g.times[col];
      const x = xOf(t);
      const r = el(
        "rect",
        {
          x,
          y: yOf(row),
          width: Math.max(1, xOf(t + g.bucketUs) - x - 0.3),
          height: ROW_H - 1,
          fill: SHADES[heatLevel(n, g.max, LEVELS) - 1],
          "data-t": t,
          "data-slot": g.slots[row],
          "data-n": n,
        },
        cells,
      );
      el("title", {}, r).textContent =
        `${clock(t)} +${a.bucketUs / 1e6} s: ${n} calls of ${slotRange(g.slots[row])} µs`;
    });
  });
  for (const [x, t, anchor] of [
    [PAD.left, from, "start"],
    [PAD.left + plotW, to, "end"],
  ]) {
    const label = el("text", { x, y: H - 5, "text-anchor": anchor }, svg);
    label.textContent = clock(t);
  }
  brushOn(svg, W, { left: PAD.left, width: plotW, top: PAD.top, height: plotH }, from, to, onBrush);
  div.replaceChildren(...(note.textContent ? [title, note, svg] : [title, svg]));
}
