// The ASH timeline: avg threads per time bucket, stacked by state (or any column), drawn
// as SVG rectangles; a drag across it selects a window (onBrush(fromUs, toUs)).
// Browser code, kept as plain JavaScript (tsc only copies it to dist/ for the package):
// @ts-nocheck
const SVG = "http://www.w3.org/2000/svg";

/** Thread states in tsnap's colours (tsnap ui's: RUN green, RUNQ yellow, DISK blue). */
const STATE_COLORS = {
  RUN: "#2ca02c",
  RUNQ: "#e8b90c",
  DISK: "#1f6fd0",
  SLEEP: "#b8b8b8",
  IDLE: "#dcdcdc",
  VFORK: "#17becf",
  STOPPED: "#9467bd",
  ZOMBIE: "#8c564b",
  other: "#999999",
};
const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
];

export function colorOf(key, i) {
  return STATE_COLORS[key] ?? PALETTE[i % PALETTE.length];
}

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
}

function timeLabel(us, withDate) {
  const iso = new Date(us / 1000).toISOString().replace("T", " ");
  return withDate ? iso.slice(0, 19) : iso.slice(11, 19);
}

const PAD = { left: 34, right: 8, top: 8, bottom: 18 };

/**
 * Draws `snap` (an /api/view answer) into `svg`. The series' colours are `colors`
 * (key → colour, filled here for the legend). `onBrush(fromUs, toUs)` after a drag.
 */
export function drawTimeline(svg, snap, colors, onBrush) {
  const W = Math.max(200, svg.clientWidth);
  const H = Math.max(100, svg.clientHeight);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const from = snap.window.fromUs;
  const to = snap.window.toUs;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const xOf = (t) => PAD.left + ((t - from) / (to - from)) * plotW;
  const buckets = new Map();
  for (const p of snap.timeline) {
    const b = buckets.get(p.t) ?? new Map();
    b.set(p.key, (b.get(p.key) ?? 0) + p.avg);
    buckets.set(p.t, b);
  }
  let max = 0;
  for (const b of buckets.values())
    max = Math.max(
      max,
      [...b.values()].reduce((a, x) => a + x, 0),
    );
  const top = niceMax(max);
  const yOf = (v) => PAD.top + plotH - (v / top) * plotH;
  for (const f of [0, 0.5, 1]) {
    el(
      "line",
      { class: "grid", x1: PAD.left, x2: PAD.left + plotW, y1: yOf(top * f), y2: yOf(top * f) },
      svg,
    );
    const label = el("text", { x: PAD.left - 4, y: yOf(top * f) + 3, "text-anchor": "end" }, svg);
    label.textContent = String(Math.round(top * f * 100) / 100);
  }
  snap.series.forEach((k, i) => {
    colors.set(k, colorOf(k, i));
  });
  const bars = el("g", { id: "bars" }, svg);
  const bw = Math.max(1, (snap.bucketUs / (to - from)) * plotW);
  for (const [t, b] of [...buckets].sort((a, c) => a[0] - c[0])) {
    let acc = 0;
    for (const k of snap.series) {
      const v = b.get(k);
      if (!v) continue;
      const r = el(
        "rect",
        {
          x: xOf(Math.max(t, from)),
          y: yOf(acc + v),
          width: Math.max(1, Math.min(bw, PAD.left + plotW - xOf(Math.max(t, from))) - 0.5),
          height: Math.max(0.5, yOf(acc) - yOf(acc + v)),
          fill: colors.get(k),
          "data-key": k,
          "data-t": t,
          "data-avg": v,
        },
        bars,
      );
      el("title", {}, r).textContent = `${timeLabel(t, true)}  ${k}: ${v.toFixed(2)} avg threads`;
      acc += v;
    }
  }
  const sameDay = timeLabel(from, true).slice(0, 10) === timeLabel(to, true).slice(0, 10);
  for (const [x, t, anchor] of [
    [PAD.left, from, "start"],
    [PAD.left + plotW / 2, (from + to) / 2, "middle"],
    [PAD.left + plotW, to, "end"],
  ]) {
    const label = el("text", { x, y: H - 5, "text-anchor": anchor }, svg);
    label.textContent = timeLabel(t, !sameDay || anchor === "start");
  }
  brushOn(svg, W, { left: PAD.left, width: plotW, top: PAD.top, height: plotH }, from, to, onBrush);
}

/** The selection being dragged (any brush of the page): Esc cancels it. */
let dragging = null;
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape" || !dragging) return;
  e.preventDefault();
  dragging();
});

/**
 * The brush of a time axis drawn in `svg` (viewBox width W; the plot's box in viewBox
 * units covers [from, to)): drag to select, onBrush(fromUs, toUs) in whole ms; a click
 * without a drag selects nothing; Esc during the drag cancels it.
 */
export function brushOn(svg, W, box, from, to, onBrush) {
  const tOf = (x) =>
    from + ((Math.min(Math.max(x, box.left), box.left + box.width) - box.left) / box.width) * (to - from);
  const brush = el(
    "rect",
    { class: "brush", x: 0, y: box.top, width: 0, height: box.height, visibility: "hidden" },
    svg,
  );
  let x0 = null;
  const xIn = (e) => {
    const b = svg.getBoundingClientRect();
    return ((e.clientX - b.left) / b.width) * W;
  };
  svg.onpointerdown = (e) => {
    x0 = xIn(e);
    svg.setPointerCapture(e.pointerId);
    dragging = () => {
      x0 = null;
      dragging = null;
      brush.setAttribute("visibility", "hidden");
      if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
    };
  };
  svg.onpointermove = (e) => {
    if (x0 === null) return;
    const x1 = xIn(e);
    brush.setAttribute("x", String(Math.min(x0, x1)));
    brush.setAttribute("width", String(Math.abs(x1 - x0)));
    brush.setAttribute("visibility", "visible");
  };
  svg.onpointerup = (e) => {
    if (x0 === null) return;
    const x1 = xIn(e);
    const a = x0;
    x0 = null;
    dragging = null;
    brush.setAttribute("visibility", "hidden");
    if (Math.abs(x1 - a) < 4) return;
    const lo = Math.round(tOf(Math.min(a, x1)) / 1000) * 1000;
    const hi = Math.round(tOf(Math.max(a, x1)) / 1000) * 1000;
    if (hi > lo) onBrush(lo, hi);
  };
}
