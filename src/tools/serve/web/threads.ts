// The stacks and threads panels: the top kernel and user stacks of the selection (an
// /api/stacks answer, `tsnap query --stacks`'s rows: avg threads, samples, frames leaf
// first) and per-thread swimlanes (an /api/lanes answer): a row per thread, busiest
// first, a rectangle per time bucket in the colour of the state the thread was sampled in
// most (tsnap ui's `t` peek), each with data-tid, data-t, data-state and a tooltip.
// Browser code, kept as plain JavaScript (tsc only copies it to dist/ for the package):
// @ts-nocheck
import { colorOf } from "/timeline.js";

const SVG = "http://www.w3.org/2000/svg";
const LANE_H = 12;
const PAD = { left: 190, right: 8, top: 4, bottom: 18 };

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const kid of kids) e.append(kid);
  return e;
}

const clock = (us) => new Date(us / 1000).toISOString().slice(11, 19);

/** One kind's top stacks: a row per stack, its frames (leaf first) under a click. */
function stackList(kind, rows, total) {
  const out = [h("h3", {}, `top ${kind} stacks`)];
  if (rows.length === 0) out.push(h("p", { class: "muted" }, "no samples"));
  rows.forEach((r, i) => {
    const share = total > 0 ? ` (${((100 * r.avg_threads) / total).toFixed(1)}%)` : "";
    const leaf = r.frames ? r.frames[0] : r.hash ? "(unresolved)" : "(no stack)";
    const d = h(
      "details",
      { class: "stack", "data-kind": kind, "data-hash": r.hash ?? "", "data-avg": r.avg_threads },
      h("summary", {}, `${r.avg_threads.toFixed(2)} avg threads${share} · ${r.samples} samples · ${leaf}`),
      h("pre", {}, r.frames ? r.frames.join("\n") : "(no frames in the stack dictionary)"),
    );
    if (i === 0) d.open = true;
    out.push(d);
  });
  return h("div", {}, ...out);
}

export function renderStacks(div, a, total) {
  div.replaceChildren(stackList("kernel", a.kernel, total), stackList("user", a.user, total));
}

/** Swimlanes; `onPick(tid)` when a thread's label is clicked (drill to it). */
export function drawLanes(div, a, onPick) {
  const note = h(
    "p",
    { class: "muted" },
    a.lanes.length === 0
      ? "no threads in this window"
      : `the ${a.lanes.length} busiest of ${a.threads} threads; a column is ${a.bucketUs / 1e6} s, coloured by the state sampled most in it; click a thread to drill to it`,
  );
  if (a.lanes.length === 0) return div.replaceChildren(note);
  const W = Math.max(300, div.clientWidth || 900);
  const n = a.lanes[0].states.length;
  const cw = (W - PAD.left - PAD.right) / n;
  const H = PAD.top + a.lanes.length * LANE_H + PAD.bottom;
  const svg = el("svg", { width: W, height: H, role: "img", "aria-label": "thread state swimlanes" });
  a.lanes.forEach((l, row) => {
    const y = PAD.top + row * LANE_H;
    const label = el(
      "text",
      { x: 4, y: y + LANE_H - 2, class: "lane-label", "data-tid": l.tid, "data-avg": l.avg },
      svg,
    );
    label.textContent = `${l.tid} ${l.comm} ${l.avg.toFixed(2)}`;
    label.addEventListener("click", () => onPick(l.tid));
    l.states.forEach((s, i) => {
      if (s === null) return;
      const t = a.startUs + i * a.bucketUs;
      const r = el(
        "rect",
        {
          x: PAD.left + i * cw,
          y: y + 1,
          width: Math.max(1, cw - 0.2),
          height: LANE_H - 2,
          fill: colorOf(s, 0),
          "data-tid": l.tid,
          "data-t": t,
          "data-state": s,
        },
        svg,
      );
      const tip = el("title", {}, r);
      tip.textContent = `${l.tid} ${l.comm}: ${s} most at ${clock(t)} (${a.bucketUs / 1e6} s)`;
    });
  });
  const yAxis = PAD.top + a.lanes.length * LANE_H + 12;
  el("text", { x: PAD.left, y: yAxis }, svg).textContent = clock(a.startUs);
  const end = el("text", { x: W - PAD.right, y: yAxis, "text-anchor": "end" }, svg);
  end.textContent = clock(a.startUs + n * a.bucketUs);
  div.replaceChildren(note, svg);
}
