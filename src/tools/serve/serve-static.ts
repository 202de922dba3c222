// The page's files: a fixed table of URL paths → files of the package, all in dist/ (the
// page and its style from web/page.ts, its scripts compiled from web/*.ts, the navigation
// model compiled to dist/src/ui-model/, which the browser imports as ES modules: one
// model, two views). Read once at start; no URL
// is ever turned into a file path, so nothing else can be read through the server. A
// path with dot segments, backslashes or encoded separators is refused outright.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError, UsageError } from "../../errors.js";
import { INDEX_HTML, STYLE_CSS } from "./web/page.js";

export interface Asset {
  type: string;
  body: Buffer;
}

const WEB = new URL("./web/", import.meta.url);
const MODEL = new URL("../../ui-model/", import.meta.url);

const JS = "text/javascript; charset=utf-8";

const FILES: Record<string, { base: URL; file: string; type: string }> = {
  "/app.js": { base: WEB, file: "app.js", type: JS },
  "/timeline.js": { base: WEB, file: "timeline.js", type: JS },
  "/panels.js": { base: WEB, file: "panels.js", type: JS },
  "/model/view-state.js": { base: MODEL, file: "view-state.js", type: JS },
  "/model/view-url.js": { base: MODEL, file: "view-url.js", type: JS },
  "/model/view-picker.js": { base: MODEL, file: "view-picker.js", type: JS },
  "/model/view-query.js": { base: MODEL, file: "view-query.js", type: JS },
  "/model/view-window.js": { base: MODEL, file: "view-window.js", type: JS },
  "/model/heat-grid.js": { base: MODEL, file: "heat-grid.js", type: JS },
  "/heatmap.js": { base: WEB, file: "heatmap.js", type: JS },
  "/threads.js": { base: WEB, file: "threads.js", type: JS },
};

/** Every asset, read now (a missing one is a broken build: said at start, not per request). */
export function loadAssets(): Map<string, Asset> {
  const out = new Map<string, Asset>([
    ["/", { type: "text/html; charset=utf-8", body: Buffer.from(INDEX_HTML) }],
    ["/style.css", { type: "text/css; charset=utf-8", body: Buffer.from(STYLE_CSS) }],
  ]);
  for (const [path, f] of Object.entries(FILES)) {
    const file = fileURLToPath(new URL(f.file, f.base));
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch (err) {
      throw new InputError(`web page file ${file} missing (run scripts/setup.sh)`, { cause: err });
    }
    // The model's source-map comment would make browsers ask for a file not served.
    if (f.type === JS)
      body = Buffer.from(body.toString("utf8").replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n"));
    out.set(path, { type: f.type, body });
  }
  return out;
}

/** Refuses what could walk out of a directory in any server: dot segments, `\`, encoded `/`. */
export function checkPath(rawPath: string): void {
  const p = rawPath.toLowerCase();
  if (
    p.includes("..") ||
    p.includes("%2e") ||
    p.includes("%2f") ||
    p.includes("%5c") ||
    p.includes("\\") ||
    p.includes("%00") ||
    p.includes("//")
  )
    throw new UsageError("bad path");
}
