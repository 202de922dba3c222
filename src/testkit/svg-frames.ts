// Reads the frames back out of a flame graph SVG (tests): name (unescaped), tooltip, and
// the rect's geometry and fill, in document order. A reader of its own, not the writer's
// code, so a test compares the SVG against a truth the writer did not produce.
export interface SvgFrame {
  name: string;
  info: string;
  x: number;
  y: number;
  width: number;
  fill: string;
}

export function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) =>
    e === "amp" ? "&" : e === "lt" ? "<" : e === "gt" ? ">" : e === "quot" ? '"' : "'",
  );
}

export function svgFrames(svg: string): SvgFrame[] {
  const out: SvgFrame[] = [];
  const re =
    /<g><title>([^<]*)<\/title><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+" fill="([^"]+)"/g;
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    const title = unescapeXml(m[1]);
    const cut = title.lastIndexOf(" (");
    out.push({
      name: title.slice(0, cut),
      info: title.slice(cut + 2, -1),
      x: Number(m[2]),
      y: Number(m[3]),
      width: Number(m[4]),
      fill: m[5],
    });
  }
  return out;
}

/** The frame with this name (the only one, or the n-th from the left). */
export function frameNamed(frames: SvgFrame[], name: string, nth = 0): SvgFrame {
  const hits = frames.filter((f) => f.name === name).sort((a, b) => a.x - b.x);
  if (!hits[nth]) throw new Error(`no frame '${name}' (#${nth}) in the SVG`);
  return hits[nth];
}
