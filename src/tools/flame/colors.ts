// Frame colours: flamegraph.pl's palettes (hot, mem, io, wakeup, java, js and the plain
// hues), its name hash (--hash: the same name gets the same colour in every graph), and
// its differential scale (red grew, blue shrank). Without --hash the "random" values come
// from a fixed-seed generator, so the same input gives the same SVG.

export const PALETTES = [
  "hot",
  "mem",
  "io",
  "wakeup",
  "java",
  "js",
  "red",
  "green",
  "blue",
  "aqua",
  "yellow",
  "purple",
  "orange",
] as const;
export type Palette = (typeof PALETTES)[number];

/** flamegraph.pl namehash: early characters weigh more; a module prefix (mod`) is dropped. */
export function nameHash(name: string): number {
  let vector = 0;
  let weight = 1;
  let max = 1;
  let mod = 10;
  const text = name.replace(/.(.*?)`/, "");
  for (const ch of text) {
    const i = (ch.codePointAt(0) ?? 0) % mod;
    vector += (i / (mod++ - 1)) * weight;
    max += weight;
    weight *= 0.7;
    if (mod > 12) break;
  }
  return 1 - vector / max;
}

/** A deterministic stand-in for Perl's rand(1): mulberry32 with a fixed seed. */
export function seededRandom(seed = 0x9e3779b9): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Hue = "red" | "green" | "blue" | "aqua" | "yellow" | "purple" | "orange";

/** Which hue a multi-palette (java, js, wakeup) gives a frame, by its name. */
function hueOf(palette: Palette, name: string): Hue | null {
  if (palette === "java") {
    if (/_\[j\]$/.test(name)) return "green";
    if (/_\[i\]$/.test(name)) return "aqua";
    if (/^L?(java|javax|jdk|net|org|com|io|sun)\//.test(name)) return "green";
    if (/:::/.test(name)) return "green";
    if (/::/.test(name)) return "yellow";
    if (/_\[k\]$/.test(name)) return "orange";
    return "red";
  }
  if (palette === "js") {
    if (/_\[j\]$/.test(name)) return name.includes("/") ? "green" : "aqua";
    if (/::/.test(name)) return "yellow";
    if (/\/.*\.js/.test(name)) return "green";
    if (/:/.test(name)) return "aqua";
    if (/^ $/.test(name)) return "green";
    if (/_\[k\]/.test(name)) return "orange";
    return "red";
  }
  if (palette === "wakeup") return "aqua";
  if (palette === "hot" || palette === "mem" || palette === "io") return null;
  return palette;
}

const int = Math.trunc;

/** The fill of a frame: flamegraph.pl's color(). */
export function frameColor(palette: Palette, name: string, hash: boolean, rand: () => number): string {
  let v1: number;
  let v2: number;
  let v3: number;
  if (hash) {
    v1 = nameHash(name);
    v2 = v3 = nameHash([...name].reverse().join(""));
  } else {
    v1 = rand();
    v2 = rand();
    v3 = rand();
  }
  if (palette === "hot") return `rgb(${205 + int(50 * v3)},${int(230 * v1)},${int(55 * v2)})`;
  if (palette === "mem") return `rgb(0,${190 + int(50 * v2)},${int(210 * v1)})`;
  if (palette === "io") {
    const r = 80 + int(60 * v1);
    return `rgb(${r},${r},${190 + int(55 * v2)})`;
  }
  switch (hueOf(palette, name)) {
    case "red": {
      const x = 50 + int(80 * v1);
      return `rgb(${200 + int(55 * v1)},${x},${x})`;
    }
    case "green": {
      const x = 50 + int(60 * v1);
      return `rgb(${x},${200 + int(55 * v1)},${x})`;
    }
    case "blue": {
      const x = 80 + int(60 * v1);
      return `rgb(${x},${x},${205 + int(50 * v1)})`;
    }
    case "yellow": {
      const x = 175 + int(55 * v1);
      return `rgb(${x},${x},${50 + int(20 * v1)})`;
    }
    case "purple": {
      const x = 190 + int(65 * v1);
      return `rgb(${x},${80 + int(60 * v1)},${x})`;
    }
    case "aqua":
      return `rgb(${50 + int(60 * v1)},${165 + int(55 * v1)},${165 + int(55 * v1)})`;
    case "orange":
      return `rgb(${190 + int(65 * v1)},${90 + int(65 * v1)},0)`;
    default:
      return "rgb(0,0,0)";
  }
}

/**
 * Differential colour (flamegraph.pl color_scale): red when the frame's samples grew,
 * blue when they shrank, white when unchanged; `negate` swaps the hues.
 */
export function deltaColor(delta: number, maxDelta: number, negate: boolean): string {
  const v = negate ? -delta : delta;
  if (maxDelta <= 0 || v === 0) return "rgb(255,255,255)";
  if (v > 0) {
    const x = int((210 * (maxDelta - v)) / maxDelta);
    return `rgb(255,${x},${x})`;
  }
  const x = int((210 * (maxDelta + v)) / maxDelta);
  return `rgb(${x},${x},255)`;
}

/** Background gradient of a palette (flamegraph.pl's bgcolor1/bgcolor2). */
export function background(palette: Palette, diff: boolean): [string, string] {
  if (diff || palette === "mem" || palette === "io" || palette === "wakeup" || palette === "blue")
    return ["#f8f8f8", "#e8e8e8"];
  return ["#eeeeee", "#eeeeb0"];
}
