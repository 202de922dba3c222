// The SVG writer: a laid-out flame graph to one self-contained, interactive SVG (inline
// script and style, no network), with flamegraph.pl's geometry and controls: click to
// zoom, Reset Zoom, Search (regex, "Matched: N%"), tooltips (<title>) with count and share.
// Every piece of input text (frame names, title, count name) is escaped here.
import { background, deltaColor, frameColor, type Palette, seededRandom } from "./colors.js";
import { FLAME_SCRIPT } from "./svg-script.js";
import type { Layout } from "./tree.js";

export interface SvgOptions {
  title: string;
  subtitle?: string;
  /** Image width in px. */
  width: number;
  /** Height of one frame in px. */
  frameHeight: number;
  fontSize: number;
  /** Average character width as a share of the font size. */
  fontWidth: number;
  palette: Palette;
  hash: boolean;
  /** What a count is: "samples", "avg threads", "us". */
  countName: string;
  /** What a frame is, in the details line: "Function", "Frame". */
  nameType: string;
  /** Icicle: root at the top. */
  inverted: boolean;
  /** Differential colours (red grew, blue shrank). */
  diff: boolean;
  negate: boolean;
}

export const DEFAULT_SVG: SvgOptions = {
  title: "Flame Graph",
  width: 1200,
  frameHeight: 16,
  fontSize: 12,
  fontWidth: 0.59,
  palette: "hot",
  hash: false,
  countName: "samples",
  nameType: "Function:",
  inverted: false,
  diff: false,
  negate: false,
};

export const XPAD = 10;
const FRAMEPAD = 1;

/** Geometry shared by the writer and the tests that read the SVG back. */
export function geometry(o: SvgOptions, maxDepth: number) {
  const ypad1 = o.fontSize * 3;
  const ypad2 = o.fontSize * 2 + 10;
  const ypad3 = o.subtitle ? o.fontSize * 2 : 0;
  const top = ypad1 + ypad3;
  const height = (maxDepth + 1) * o.frameHeight + top + ypad2;
  return { ypad1, ypad2, top, height };
}

const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Text safe in XML character data and attribute values (XML 1.0 forbids most controls). */
export function xmlEscape(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")
    .replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => {
      switch (c) {
        case "&":
          return "&amp;";
        case "<":
          return "&lt;";
        case ">":
          return "&gt;";
        case '"':
          return "&quot;";
        case "'":
          return "&apos;";
        default:
          return "\ufffd";
      }
    });
}

/** The label that fits a frame: the whole name, or its start and "..". */
export function fitLabel(name: string, widthPx: number, fontSize: number, fontWidth: number): string {
  const chars = Math.floor(widthPx / (fontSize * fontWidth));
  if (chars < 3) return "";
  return name.length > chars ? `${name.slice(0, chars - 2)}..` : name;
}

/** A coordinate with at most 2 decimals (toFixed costs more and pads zeros). */
const r2 = (v: number): number => Math.round(v * 100) / 100;

export function formatCount(n: number): string {
  if (Number.isInteger(n) && n < 1000 && n > -1000) return String(n);
  const s = Number.isInteger(n) ? String(n) : n.toFixed(2);
  if (s.includes("e")) return s; // beyond 1e21: exponent form, as written
  const dot = s.indexOf(".");
  const int = dot < 0 ? s : s.slice(0, dot);
  return dot < 0 ? groupThousands(int) : `${groupThousands(int)}${s.slice(dot)}`;
}

/** "1234567" → "1,234,567" (a leading "-" kept); a loop, not a regex: once per frame. */
function groupThousands(int: string): string {
  const sign = int[0] === "-" ? "-" : "";
  const d = sign ? int.slice(1) : int;
  let k = d.length % 3 || 3;
  let out = d.slice(0, k);
  for (; k < d.length; k += 3) out += `,${d.slice(k, k + 3)}`;
  return sign + out;
}

/** The whole SVG document. */
export function renderSvg(l: Layout, o: SvgOptions): string {
  const out: string[] = [];
  renderSvgTo(l, o, (s) => out.push(s));
  return out.join("");
}

/**
 * The SVG document in pieces of about 64 KiB to `write` (a file, stdout): the document
 * is never one string, so a graph of a million frames costs the garbage collector little.
 */
export function renderSvgTo(l: Layout, o: SvgOptions, write: (text: string) => void): void {
  const g = geometry(o, l.maxDepth);
  const plot = o.width - 2 * XPAD;
  const perSample = l.total > 0 ? plot / l.total : 0;
  const [bg1, bg2] = background(o.palette, o.diff);
  const rand = seededRandom();
  const fs = o.fontSize;
  let pending = "";
  const emit = (s: string) => {
    pending += s;
    if (pending.length >= 1 << 16) {
      write(pending);
      pending = "";
    }
  };
  emit(`<?xml version="1.0" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" width="${o.width}" height="${g.height}" onload="init(evt)" viewBox="0 0 ${o.width} ${g.height}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<!-- Flame graph by tsnap flame (after Brendan Gregg's FlameGraph: https://github.com/brendangregg/FlameGraph) -->
<defs><linearGradient id="background" y1="0" y2="1" x1="0" x2="0"><stop stop-color="${bg1}" offset="5%"/><stop stop-color="${bg2}" offset="95%"/></linearGradient></defs>
<style type="text/css">
text { font-family:Verdana,sans-serif; font-size:${fs}px; fill:rgb(0,0,0); }
#search, #ignorecase { opacity:0.1; cursor:pointer; }
#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity:1; }
#subtitle { text-anchor:middle; font-color:rgb(160,160,160); }
#title { text-anchor:middle; font-size:${fs + 5}px; }
#unzoom { cursor:pointer; }
#frames > g:hover { stroke:black; stroke-width:0.5; cursor:pointer; }
.hide { display:none; }
.parent { opacity:0.5; }
</style>
<script type="text/ecmascript"><![CDATA[
var CONFIG = ${JSON.stringify({ textDy: (o.frameHeight - FRAMEPAD) / 2 + fs / 2 - 1, xpad: XPAD, width: o.width, fh: o.frameHeight, fs, fw: o.fontWidth, inverted: o.inverted, base: o.inverted ? g.top : g.height - g.ypad2, nametype: xmlSafeJs(o.nameType) })};
${FLAME_SCRIPT}
]]></script>
<rect x="0" y="0" width="${o.width}" height="${g.height}" fill="url(#background)"/>
<text id="title" x="${o.width / 2}" y="${fs * 2}">${xmlEscape(o.title)}</text>
`);
  if (o.subtitle)
    emit(`<text id="subtitle" x="${o.width / 2}" y="${fs * 4}">${xmlEscape(o.subtitle)}</text>\n`);
  emit(`<text id="details" x="${XPAD}" y="${g.height - g.ypad2 / 2}"> </text>
<text id="unzoom" class="hide" x="${XPAD}" y="${fs * 2}">Reset Zoom</text>
<text id="search" x="${o.width - XPAD - 100}" y="${fs * 2}">Search</text>
<text id="ignorecase" x="${o.width - XPAD - 16}" y="${fs * 2}">ic</text>
<text id="matched" x="${o.width - XPAD - 100}" y="${g.height - g.ypad2 / 2}"> </text>
<g id="frames">
`);
  const pct = (n: number) => (l.total > 0 ? ((100 * n) / l.total).toFixed(2) : "0.00");
  const countName = xmlEscape(o.countName);
  // A frame too narrow for a label gets no <text>; the script adds one when a zoom widens it.
  const textDy = (o.frameHeight - FRAMEPAD) / 2 + fs / 2 - 1;
  for (const f of l.frames) {
    const x = XPAD + f.x * perSample;
    const w = f.w * perSample;
    const y = o.inverted
      ? g.top + f.depth * o.frameHeight
      : g.height - g.ypad2 - (f.depth + 1) * o.frameHeight + FRAMEPAD;
    const name = f.depth === 0 ? "all" : f.name;
    let info = `${formatCount(f.w)} ${countName}, ${pct(f.w)}%`;
    if (o.diff) {
      const d = o.negate ? -f.delta : f.delta;
      info += `; ${d > 0 ? "+" : ""}${pct(d)}%`;
    }
    const fill = o.diff
      ? deltaColor(f.delta, l.maxDelta, o.negate)
      : f.depth === 0
        ? "rgb(250,250,250)"
        : frameColor(o.palette, f.name, o.hash, rand);
    const esc = xmlEscape(name);
    const label = xmlEscape(fitLabel(name, w, fs, o.fontWidth));
    emit(
      `<g><title>${esc} (${info})</title><rect x="${r2(x)}" y="${r2(y)}" width="${r2(w)}" height="${o.frameHeight - FRAMEPAD}" fill="${fill}" rx="2" ry="2"/>${label === "" ? "" : `<text x="${r2(x + 3)}" y="${r2(y + textDy)}">${label}</text>`}</g>\n`,
    );
  }
  write(`${pending}</g>\n</svg>\n`);
}

/** A string for the inline script: JSON is enough, but "]]>" must not end the CDATA. */
function xmlSafeJs(s: string): string {
  return s.replace(/]]>/g, "]] >");
}
