// The page's HTML and CSS, served as they are (no inline script or style: the CSP forbids
// them); kept as modules so that the build puts them in dist/ with the rest.
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tsnap</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/style.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<header>
  <h1>tsnap</h1>
  <span id="source"></span>
  <span id="window"></span>
  <span id="status" role="status"></span>
</header>
<section id="timeline-panel">
  <div class="bar">
    <label>stack by <select id="by"></select></label>
    <button type="button" id="zoom-out" title="twice as wide">zoom out</button>
    <button type="button" id="earlier" title="a quarter earlier">◀</button>
    <button type="button" id="later" title="a quarter later">▶</button>
    <button type="button" id="reset" title="the default window">latest</button>
    <span class="hint">drag across the timeline to select a window (Esc cancels)</span>
    <span id="legend"></span>
  </div>
  <svg id="timeline" role="img" aria-label="average active threads over time"></svg>
</section>
<nav id="crumbs"></nav>
<section id="table-panel">
  <div class="bar">
    <button type="button" id="back" title="the previous view">⟵ back</button>
    <span>group by</span> <span id="groups"></span>
    <select id="add-group"><option value="">+ column</option></select>
    <label><input type="checkbox" id="latency"> latency columns</label>
    <label title="the view's processes, busiest first: type a name or a pid, Enter keeps that process">process
      <input id="proc" list="proc-list" placeholder="name or pid" autocomplete="off" size="16"></label>
    <datalist id="proc-list"></datalist>
  </div>
  <table id="table"><thead></thead><tbody></tbody></table>
  <p id="note"></p>
  <p><code id="command"></code></p>
</section>
<section id="lanes-panel">
  <h2>Threads of the selection (swimlanes: the state each thread was sampled in most per time bucket)</h2>
  <div id="lanes"></div>
</section>
<section id="heat-panel">
  <h2>Latency × time of every call in the selection (heatmaps; drag to select a window)</h2>
  <div id="heat-sc" class="heat"></div>
  <div id="heat-io" class="heat"></div>
</section>
<section id="hist-panel">
  <h2>Latency of every call in the window (log2 histograms)</h2>
  <div class="hists"><div id="hist-sc"></div><div id="hist-io"></div></div>
</section>
<section id="stacks-panel">
  <h2>Top stacks of the selection (tsnap query --stacks kernel / user)</h2>
  <div id="stacks" class="hists"></div>
</section>
<section id="flame-panel">
  <h2>Thread states of the selection (flame graph; click a frame to zoom)</h2>
  <div class="bar">
    <label>compare with
      <select id="flame-base">
        <option value="">nothing (a plain flame graph)</option>
        <option value="prev">the window before (same length)</option>
        <option value="day">the same window a day earlier</option>
        <option value="all">all of the data</option>
      </select></label>
    <span class="hint">differential: widths are this window's avg threads; red more, blue fewer than in the other</span>
  </div>
  <iframe id="flame" title="thread-state flame graph"></iframe>
</section>
<section id="profile-panel" hidden>
  <h2>On-CPU / off-CPU flame graph of a process, recorded now (tsnap profile / offcputime)</h2>
  <div class="bar">
    <label>PID <input id="profile-pid" type="number" min="1" size="8"></label>
    <label><select id="profile-kind">
      <option value="cpu">on-CPU (profile)</option>
      <option value="offcpu">off-CPU (offcputime)</option>
    </select></label>
    <label>for <select id="profile-seconds">
      <option>2</option><option selected>5</option><option>10</option><option>30</option>
    </select> s</label>
    <button type="button" id="profile-go">record</button>
    <span class="hint">group the table by tgid for process ids; the page waits while it records</span>
  </div>
  <iframe id="profile" title="on-CPU or off-CPU flame graph of a process"></iframe>
</section>
</body>
</html>
`;

export const STYLE_CSS = `/* tsnap serve: one page, no external resources. */
body {
  font:
    13px / 1.4 system-ui,
    sans-serif;
  margin: 0 12px 24px;
  color: #222;
  background: #fafafa;
}
header {
  display: flex;
  gap: 16px;
  align-items: baseline;
  padding: 6px 0;
  border-bottom: 1px solid #ddd;
}
h1 {
  font-size: 18px;
  margin: 0;
}
h2 {
  font-size: 14px;
  margin: 14px 0 6px;
}
#source,
#window {
  color: #555;
}
#status {
  color: #b00;
  margin-left: auto;
}
#status.busy,
#status.note {
  color: #777;
}
.bar {
  display: flex;
  gap: 8px;
  align-items: center;
  flex-wrap: wrap;
  margin: 6px 0;
}
.hint {
  color: #888;
}
button {
  font: inherit;
  padding: 1px 8px;
  cursor: pointer;
}
.chip {
  background: #eee;
  border-radius: 3px;
  padding: 0 4px;
  margin-right: 4px;
  white-space: nowrap;
}
.chip a {
  cursor: pointer;
  color: #555;
  padding: 0 2px;
}
.hists {
  display: flex;
  gap: 24px;
  flex-wrap: wrap;
  align-items: flex-start;
}
.hists > div {
  min-width: 420px;
}
.hist {
  margin-bottom: 10px;
}
.hist table {
  border-collapse: collapse;
  font-variant-numeric: tabular-nums;
}
.hist td {
  padding: 0 6px;
  white-space: nowrap;
}
.hist td.num {
  text-align: right;
}
.hist .track {
  width: 200px;
}
.heat svg {
  display: block;
  font-size: 10px;
  fill: #555;
  touch-action: none;
  cursor: crosshair;
}
.heat h3 {
  font-size: 13px;
  margin: 8px 0 2px;
}
.hist .fill {
  height: 10px;
  background: #4a7fd0;
}
.chip .x {
  color: #a00;
  cursor: pointer;
  margin-left: 3px;
}
#timeline {
  width: 100%;
  height: 170px;
  background: #fff;
  border: 1px solid #ddd;
  user-select: none;
  cursor: crosshair;
}
#timeline text {
  font-size: 10px;
  fill: #555;
}
#timeline .brush {
  fill: rgba(60, 120, 220, 0.2);
  stroke: #3c78dc;
}
#timeline .grid {
  stroke: #eee;
}
#legend {
  display: inline-flex;
  gap: 10px;
  flex-wrap: wrap;
}
.swatch {
  display: inline-block;
  width: 10px;
  height: 10px;
  margin-right: 3px;
  vertical-align: middle;
}
#crumbs {
  margin: 8px 0 2px;
  font-size: 14px;
}
#crumbs a {
  color: #1a55b0;
  cursor: pointer;
}
#crumbs .filter {
  background: #eef3fb;
  border-radius: 3px;
  padding: 0 4px;
}
#crumbs .exclude {
  background: #fbeeee;
}
#crumbs .x {
  color: #a00;
  cursor: pointer;
  margin-left: 3px;
}
#table {
  border-collapse: collapse;
  background: #fff;
}
#table th,
#table td {
  border: 1px solid #e3e3e3;
  padding: 2px 8px;
  white-space: nowrap;
}
#table th {
  background: #f0f0f0;
  cursor: pointer;
  text-align: left;
}
#table td.num {
  text-align: right;
  font-variant-numeric: tabular-nums;
}
#table td.group a {
  color: #1a55b0;
  cursor: pointer;
}
#table td.group button {
  visibility: hidden;
  padding: 0 4px;
  font-size: 11px;
  margin-left: 4px;
}
#table tr:hover td.group button {
  visibility: visible;
}
#table tbody tr:hover {
  background: #f5f9ff;
}
#note {
  color: #777;
  margin: 4px 0;
}
#command {
  color: #555;
}
.muted {
  color: #888;
}
.stack summary {
  cursor: pointer;
  white-space: nowrap;
}
.stack pre {
  margin: 2px 0 6px 16px;
  font-size: 12px;
  color: #333;
}
#lanes svg {
  display: block;
  font-size: 10px;
  background: #fff;
  border: 1px solid #ddd;
}
#lanes .lane-label {
  fill: #1a55b0;
  cursor: pointer;
}
#profile,
#flame {
  width: 100%;
  height: 560px;
  border: 1px solid #ddd;
  background: #fff;
}
`;
