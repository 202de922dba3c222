// The inline script of the SVG (plain ES5 so any browser runs it, no network): click a
// frame to zoom to it, "Reset Zoom", "Search" with a regex (matches in purple,
// "Matched: N%" of all samples, nested matches counted once), "ic" toggles case-insensitive
// search, Ctrl-F / F3 search, Escape resets both. Reads CONFIG (geometry) set before it.
export const FLAME_SCRIPT = `
var frames, details, searchbtn, unzoombtn, matchedtxt, icbtn, nodes = [], ignorecase = false, searching = null, zoomed = null;
function init(evt) {
  frames = document.getElementById("frames");
  details = document.getElementById("details").firstChild;
  searchbtn = document.getElementById("search");
  unzoombtn = document.getElementById("unzoom");
  matchedtxt = document.getElementById("matched");
  icbtn = document.getElementById("ignorecase");
  var gs = frames.getElementsByTagName("g");
  for (var i = 0; i < gs.length; i++) {
    var g = gs[i], r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("title")[0].textContent;
    var y = parseFloat(r.getAttribute("y"));
    var depth = CONFIG.inverted ? Math.round((y - CONFIG.base) / CONFIG.fh) : Math.round((CONFIG.base - y) / CONFIG.fh) - 1;
    nodes.push({ g: g, rect: r, text: g.getElementsByTagName("text")[0] || null, y: y, x: parseFloat(r.getAttribute("x")),
      w: parseFloat(r.getAttribute("width")), depth: depth, name: t.slice(0, t.lastIndexOf(" (")), title: t,
      fill: r.getAttribute("fill") });
    g.setAttribute("data-i", String(i));
  }
  frames.addEventListener("click", function (e) {
    var n = nodeOf(e.target);
    if (n) zoom(n);
  });
  frames.addEventListener("mouseover", function (e) {
    var n = nodeOf(e.target);
    if (n) details.nodeValue = CONFIG.nametype + " " + n.title;
  });
  frames.addEventListener("mouseout", function () { details.nodeValue = " "; });
  unzoombtn.addEventListener("click", unzoom);
  searchbtn.addEventListener("click", searchPrompt);
  icbtn.addEventListener("click", function () {
    ignorecase = !ignorecase;
    icbtn.classList.toggle("show", ignorecase);
    if (searching !== null) search(searching);
  });
  window.addEventListener("keydown", function (e) {
    if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) { e.preventDefault(); searchPrompt(); }
    else if (e.keyCode === 27) { unzoom(); resetSearch(); }
  });
}
function nodeOf(el) {
  while (el && el !== frames) {
    if (el.tagName === "g" && el.hasAttribute("data-i")) return nodes[+el.getAttribute("data-i")];
    el = el.parentNode;
  }
  return null;
}
function fit(n, w) {
  var chars = Math.floor(w / (CONFIG.fs * CONFIG.fw));
  if (chars < 3) return "";
  return n.name.length > chars ? n.name.slice(0, chars - 2) + ".." : n.name;
}
function place(n, x, w) {
  n.rect.setAttribute("x", x.toFixed(2));
  n.rect.setAttribute("width", w.toFixed(2));
  var label = fit(n, w);
  if (!n.text) {
    if (label === "") return;
    n.text = document.createElementNS("http://www.w3.org/2000/svg", "text");
    n.text.setAttribute("y", (n.y + CONFIG.textDy).toFixed(2));
    n.g.appendChild(n.text);
  }
  n.text.setAttribute("x", (x + 3).toFixed(2));
  n.text.textContent = label;
}
function zoom(z) {
  zoomed = z;
  var eps = 1e-6 * Math.max(1, z.w), full = CONFIG.width - 2 * CONFIG.xpad, ratio = full / z.w;
  for (var i = 0; i < nodes.length; i++) {
    var n = nodes[i];
    var inside = n.x >= z.x - eps && n.x + n.w <= z.x + z.w + eps;
    var covers = n.x <= z.x + eps && n.x + n.w >= z.x + z.w - eps;
    n.g.classList.remove("parent");
    if (n.depth < z.depth && covers) {
      n.g.classList.remove("hide");
      n.g.classList.add("parent");
      place(n, CONFIG.xpad, full);
    } else if (n.depth >= z.depth && inside) {
      n.g.classList.remove("hide");
      place(n, CONFIG.xpad + (n.x - z.x) * ratio, n.w * ratio);
    } else n.g.classList.add("hide");
  }
  unzoombtn.classList.remove("hide");
}
function unzoom() {
  zoomed = null;
  for (var i = 0; i < nodes.length; i++) {
    var n = nodes[i];
    n.g.classList.remove("hide");
    n.g.classList.remove("parent");
    place(n, n.x, n.w);
  }
  unzoombtn.classList.add("hide");
}
function searchPrompt() {
  if (searching !== null) { resetSearch(); return; }
  var term = prompt("Enter a search term (regexp allowed, eg: ^ext4_)" + (ignorecase ? ", ignoring case" : ""), "");
  if (term !== null && term !== "") search(term);
}
function resetSearch() {
  searching = null;
  for (var i = 0; i < nodes.length; i++) nodes[i].rect.setAttribute("fill", nodes[i].fill);
  searchbtn.classList.remove("show");
  searchbtn.firstChild.nodeValue = "Search";
  matchedtxt.classList.add("hide");
}
function search(term) {
  var re;
  try { re = new RegExp(term, ignorecase ? "i" : ""); } catch (e) { alert("bad regular expression: " + e.message); return; }
  searching = term;
  var hits = [], total = 0;
  for (var i = 0; i < nodes.length; i++) {
    var n = nodes[i];
    if (n.depth === 0) total = n.w;
    if (n.depth > 0 && re.test(n.name)) { n.rect.setAttribute("fill", "rgb(230,0,230)"); hits.push(n); }
    else n.rect.setAttribute("fill", n.fill);
  }
  // Nested matches (a match above a match) count once: sum the outermost ranges.
  hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
  var sum = 0, end = -Infinity;
  for (var j = 0; j < hits.length; j++) {
    var h = hits[j];
    if (h.x >= end - 0.02) { sum += h.w; end = h.x + h.w; }
  }
  searchbtn.classList.add("show");
  searchbtn.firstChild.nodeValue = "Reset Search";
  matchedtxt.classList.remove("hide");
  var pct = total > 0 ? (100 * sum) / total : 0;
  matchedtxt.firstChild.nodeValue = "Matched: " + (pct === 100 ? "100" : pct.toFixed(1)) + "%";
}
`;
