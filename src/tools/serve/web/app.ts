// The page's controller. The state is the navigation model of tsnap ui (ui-model/,
// served as /model/*.js): every click is one of its transitions (drill, toggleFilter,
// setGroups, goBack, ...), the address is its serialization (viewToQuery) plus the
// timeline's stacking column, so a link or a reload reopens the same view. Data comes
// from the JSON API; the timeline, table, histograms and flame graph follow the view.
// Browser code, kept as plain JavaScript (tsc only copies it to dist/ for the package):
// @ts-nocheck

import { drawHeatmap } from "/heatmap.js";
import { PROCESS_COLUMN, visibleItems } from "/model/view-picker.js";
import {
  cycleFilter,
  drill,
  drillTo,
  filterOf,
  goBack,
  initialState,
  moveGroup,
  navigate,
  setGroups,
  sortByCursor,
  toggleFilter,
  toggleLatency,
} from "/model/view-state.js";
import { viewFromQuery, viewToQuery } from "/model/view-url.js";
import { BASE_CHOICES, baseWindow, zoomWindow } from "/model/view-window.js";
import { renderCrumbs, renderGroups, renderHists, renderTable } from "/panels.js";
import { drawLanes, renderStacks } from "/threads.js";
import { colorOf, drawTimeline } from "/timeline.js";

const $ = (id) => document.getElementById(id);

let st = initialState();
let by = "state";
/** The differential flame graph's base window: "" (none), prev, day or all (view-window.js). */
let diff = "";
let info = null;
let snap = null;
let seq = 0;
let flameQuery = "";
let flameAt = 0;
const colors = new Map();

function fromAddress() {
  const p = new URLSearchParams(location.search);
  by = p.get("by") ?? "state";
  diff = BASE_CHOICES.includes(p.get("diff")) ? p.get("diff") : "";
  try {
    return viewFromQuery(location.search);
  } catch (err) {
    status(`address: ${err.message}; the default view instead`);
    return initialState().view;
  }
}

/** The address of the view: the model's query text, the timeline's column, the flame graph's base. */
function pageQuery(view = st.view) {
  return diff ? `${viewQuery(view)}&diff=${diff}` : viewQuery(view);
}

/** What /api/view is asked: the view and the timeline's column. */
function viewQuery(view = st.view) {
  const q = viewToQuery(view);
  return by === "state" ? q : `${q}&by=${encodeURIComponent(by)}`;
}

/** The status line: an error (red), or a note / "working…" (grey). */
function status(text, kind = "error") {
  $("status").textContent = text;
  $("status").className = kind;
}

/** A new state: a new address (a history entry when the model added a breadcrumb step). */
function commit(next) {
  const before = pageQuery();
  const stepped = next.back.length > st.back.length;
  st = next;
  const after = pageQuery();
  if (after !== before) history[stepped ? "pushState" : "replaceState"](null, "", `?${after}`);
  if (st.status) status(st.status, "note");
  refresh();
}

async function getJson(path) {
  const r = await fetch(path);
  const text = await r.text();
  if (!r.ok) throw new Error(text.trim() || `${r.status}`);
  return JSON.parse(text);
}

function table() {
  return snap ? snap.table : { columns: [], rows: [] };
}

function at(row, col) {
  return { ...st, cursor: { row: Math.max(0, row), col } };
}

function act(kind, row, col) {
  const t = table();
  if (kind === "sort") return commit(sortByCursor(at(0, col), t));
  if (kind === "drill") return commit(drill(at(row, col), t));
  if (kind === "include") {
    // Space in tsnap ui: include, again exclude, again neither.
    return commit(toggleFilter(at(row, col), t));
  }
  if (kind === "exclude") {
    const column = t.columns[col];
    const value = t.rows[row][column];
    if (value === null || value === undefined) return status(`${column} has no value in this row`);
    let v = st.view;
    for (let i = 0; i < 3 && filterOf(v, column, String(value)) !== "!="; i++)
      v = cycleFilter(v, column, String(value));
    return commit(navigate(st, v, `${column}=${value} excluded`));
  }
}

function zoomTo(how) {
  if (!snap) return;
  const w = zoomWindow(snap.window, how, snap.extent);
  const v = st.view;
  if (w === null) return commit(v.fromUs === null ? st : navigate(st, { ...v, fromUs: null, toUs: null }));
  commit(navigate(st, { ...v, fromUs: w.fromUs, toUs: w.toUs }));
}

/** The process picker's items: the view's processes (tsnap ui's `p`), busiest first. */
let procItems = [];
/** The view (its query text) the items are of. */
let procView = null;

async function loadProcesses() {
  const vq = viewToQuery(st.view);
  const a = await getJson(`/api/values?${vq}&column=${PROCESS_COLUMN}`).catch((err) => {
    status(err.message);
    return null;
  });
  if (!a || vq !== viewToQuery(st.view)) return;
  procItems = a.values.map((v) => ({ key: v.value, note: `${v.avg}`, search: v.name ?? "" }));
  procView = vq;
  const opts = procItems.map((i) => {
    const o = document.createElement("option");
    o.value = i.key;
    o.label = `${i.search} · ${i.note} threads`;
    return o;
  });
  $("proc-list").replaceChildren(...opts);
  $("proc-list").dataset.view = vq;
}

/** Enter (or a choice from the list): drill to the first process whose pid or name holds the text. */
async function pickProcess() {
  const text = $("proc").value.trim();
  if (text === "") return;
  if (procView !== viewToQuery(st.view)) await loadProcesses();
  const it = procItems.find((i) => i.key === text) ?? visibleItems({ query: text }, procItems)[0];
  if (!it) return status(`no process of this view matches ${text}`);
  $("proc").value = "";
  if (info.live) $("profile-pid").value = it.key;
  commit(drillTo(st, PROCESS_COLUMN, it.key));
}

function renderChrome() {
  const v = st.view;
  renderCrumbs(
    $("crumbs"),
    v,
    (n) => {
      if (n !== v.filters.length) commit(navigate(st, { ...v, filters: v.filters.slice(0, n) }));
    },
    (i) => commit(navigate(st, { ...v, filters: v.filters.filter((_, k) => k !== i) })),
  );
  renderGroups(
    $("groups"),
    v.groups,
    (g, d) => {
      const col = table().columns.indexOf(g);
      if (col >= 0) commit(moveGroup(at(0, col), table(), d));
    },
    (g) =>
      commit(
        setGroups(
          st,
          v.groups.filter((x) => x !== g),
        ),
      ),
  );
  $("latency").checked = v.latency;
  $("back").disabled = st.back.length === 0;
  $("by").value = by;
  $("flame-base").value = diff;
}

function renderLegend() {
  const items = snap.series.map((k, i) => {
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = colors.get(k) ?? colorOf(k, i);
    const s = document.createElement("span");
    s.append(sw, k);
    return s;
  });
  $("legend").replaceChildren(...items);
}

/** Fetch what the view shows and draw it; `live` refreshes leave the flame graph be for 5 s. */
async function refresh(live = false) {
  const my = ++seq;
  const q = viewQuery();
  renderChrome();
  if (!live) status("working…", "busy");
  const cols = Math.max(20, Math.floor($("timeline").clientWidth / 5));
  let s = null;
  try {
    s = await getJson(`/api/view?${q}&cols=${cols}`);
  } catch (err) {
    if (my === seq) status(err.message);
    return;
  }
  if (my !== seq) return;
  snap = s;
  colors.clear();
  drawTimeline($("timeline"), s, colors, (fromUs, toUs) =>
    commit(navigate(st, { ...st.view, fromUs, toUs }, "window selected")),
  );
  renderLegend();
  renderTable($("table"), s.table, st.view.groups, st.view.sort, act);
  renderChrome();
  $("window").textContent =
    `${s.window.from} → ${s.window.to} UTC · ${s.coveredSeconds} s of data · buckets of ${s.bucketUs / 1e6} s`;
  const notes = [...s.problems];
  if (s.tableCapped) notes.push(`the ${s.table.rows.length} busiest rows only: narrow the view for the rest`);
  if (s.timelineCapped) notes.push("the timeline shows part of the window: too many values to stack");
  $("note").textContent = notes.join(" · ");
  $("command").textContent = s.command ?? "";
  if (!live && $("status").className === "busy") status(st.status ?? "", "note");
  document.body.dataset.ready = String(my);
  const vq = viewToQuery(st.view);
  const brushed = (fromUs, toUs) => commit(navigate(st, { ...st.view, fromUs, toUs }, "window selected"));
  for (const kind of ["sc", "io"]) {
    getJson(`/api/hist?${vq}&kind=${kind}`)
      .then((a) => my === seq && renderHists($(`hist-${kind}`), a))
      .catch((err) => my === seq && status(err.message));
    getJson(`/api/heatmap?${vq}&kind=${kind}&cols=${cols}`)
      .then((a) => {
        if (my !== seq) return;
        drawHeatmap($(`heat-${kind}`), a, brushed);
        $(`heat-${kind}`).dataset.ready = String(my);
      })
      .catch((err) => my === seq && status(err.message));
  }
  let fq = vq;
  if (diff) {
    const b = baseWindow(s.window, diff, s.extent);
    fq += `&bfrom=${Math.max(0, Math.round(b.fromUs))}&bto=${Math.round(b.toUs)}`;
    // A view without a window follows the data: the base must be fixed with the window.
    if (st.view.fromUs === null) fq += `&from=${Math.round(s.window.fromUs)}&to=${Math.round(s.window.toUs)}`;
  }
  if (fq !== flameQuery || (live && Date.now() - flameAt > 5000)) {
    flameQuery = fq;
    flameAt = Date.now();
    // A new frame each time: changing a frame's src would add entries to the page's history.
    const frame = document.createElement("iframe");
    frame.id = "flame";
    frame.title = "thread-state flame graph";
    frame.src = `/api/flame.svg?${fq}`;
    $("flame").replaceWith(frame);
  }
  // Live refreshes read the stacks and lanes with the flame graph (every 5 s), not every second.
  if (live && Date.now() - flameAt > 100) return;
  const total = s.table.rows.reduce((a, r) => a + (Number(r.avg_threads) || 0), 0);
  getJson(`/api/stacks?${vq}`)
    .then((a) => {
      if (my !== seq) return;
      renderStacks($("stacks"), a, total);
      $("stacks").dataset.ready = String(my);
    })
    .catch((err) => my === seq && status(err.message));
  getJson(
    `/api/lanes?${vq}&cols=${Math.min(2000, Math.max(10, Math.floor(($("lanes").clientWidth - 200) / 6)))}`,
  )
    .then((a) => {
      if (my !== seq) return;
      drawLanes($("lanes"), a, (tid) =>
        commit(
          navigate(
            st,
            { ...st.view, filters: [...st.view.filters, { column: "tid", op: "=", value: String(tid) }] },
            `tid=${tid}`,
          ),
        ),
      );
      $("lanes").dataset.ready = String(my);
    })
    .catch((err) => my === seq && status(err.message));
}

async function start() {
  st = initialState(fromAddress());
  try {
    info = await getJson("/api/info");
  } catch (err) {
    status(err.message);
    return;
  }
  $("source").textContent = info.source;
  if (info.live) {
    $("profile-panel").hidden = false;
    $("profile-go").onclick = () => {
      const pid = $("profile-pid").value.trim();
      if (!/^\d+$/.test(pid)) return status("PID: a process id");
      const frame = document.createElement("iframe");
      frame.id = "profile";
      frame.title = "on-CPU or off-CPU flame graph of a process";
      frame.src = `/api/profile.svg?kind=${$("profile-kind").value}&pid=${pid}&seconds=${$("profile-seconds").value}`;
      status(`recording PID ${pid} for ${$("profile-seconds").value} s…`, "busy");
      frame.onload = () => status("", "note");
      $("profile").replaceWith(frame);
    };
  }
  for (const c of info.columns) {
    for (const sel of [$("by"), $("add-group")]) {
      const o = document.createElement("option");
      o.value = c.name;
      o.textContent = c.name;
      o.title = c.doc;
      sel.append(o);
    }
  }
  $("by").onchange = () => {
    by = $("by").value;
    history.replaceState(null, "", `?${pageQuery()}`);
    refresh();
  };
  $("flame-base").onchange = () => {
    diff = $("flame-base").value;
    history.replaceState(null, "", `?${pageQuery()}`);
    refresh();
  };
  $("add-group").onchange = () => {
    const c = $("add-group").value;
    $("add-group").value = "";
    if (c && !st.view.groups.includes(c)) commit(setGroups(st, [...st.view.groups, c]));
  };
  $("latency").onchange = () => commit(toggleLatency(st));
  $("proc").onfocus = () => loadProcesses();
  $("proc").onchange = () => pickProcess();
  $("back").onclick = () => {
    if (st.back.length) history.back();
  };
  $("zoom-out").onclick = () => zoomTo("out");
  $("earlier").onclick = () => zoomTo("left");
  $("later").onclick = () => zoomTo("right");
  $("reset").onclick = () => zoomTo("reset");
  window.addEventListener("popstate", () => {
    const v = fromAddress();
    const last = st.back[st.back.length - 1];
    st = last && viewToQuery(last) === viewToQuery(v) ? goBack(st) : { ...st, view: v };
    refresh();
  });
  let width = window.innerWidth;
  window.addEventListener("resize", () => {
    if (Math.abs(window.innerWidth - width) > 40 && snap) {
      width = window.innerWidth;
      refresh(true);
    }
  });
  if (info.live)
    setInterval(() => {
      if (!document.hidden && st.view.fromUs === null) refresh(true);
    }, 1000);
  await refresh();
}

start();
