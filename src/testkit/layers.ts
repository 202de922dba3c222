// The dependency direction of ARCHITECTURE.md as data, and the check of it: a module may
// import its own folder and the folders of lower layers, never a higher one, and no two
// folders may import each other. Tests may read their results through any layer (a store
// test reads files back with query/duck.ts); below command/ they reach commands only
// through testkit/cli.ts, never by importing cli/. Pure: paths and texts in, violations out (layers.test.ts).

/** Lowest first. A folder is `src/<top>`, or `src/<top>/<sub>` for sources/ and tools/. */
export const LAYERS: readonly (readonly string[])[] = [
  ["."], // errors.ts
  ["platform"],
  ["model"],
  ["bpf"],
  ["sources/proc"],
  ["sources/bpf"],
  ["sampler"],
  ["store"],
  ["report"],
  ["query"],
  ["fleet"], // shipping segments to object storage, fleet queries in chDB
  ["ui-model"],
  ["capture"],
  ["command"],
  ["tools"],
  ["cli"],
  ["release"], // the release build's generators (man pages, completions), above the registry
  ["testkit"],
];

/** The folder a module (path relative to src/, `/`-separated) belongs to. */
export function folderOf(path: string): string {
  const parts = path.split("/");
  if (parts.length === 1) return ".";
  if (parts[0] === "sources" && parts.length > 2) return `sources/${parts[1]}`;
  return parts[0];
}

function rankOf(folder: string): number | undefined {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  return i < 0 ? undefined : i;
}

/** Relative import specifiers of a module: static, `export ... from` and dynamic `import()`. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm))
    out.push(m[1]);
  return out;
}

/** `a/b.ts` importing `../c/d.js` → `c/d.ts`. */
export function resolveImport(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split("/")) {
    if (seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/").replace(/\.js$/, ".ts");
}

export interface SourceFile {
  /** Relative to src/, `/`-separated. */
  path: string;
  text: string;
}

/** Every upward import, unknown folder and folder-level cycle, one line each. */
export function layerViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const f of files) {
    const from = folderOf(f.path);
    const fromRank = rankOf(from);
    if (fromRank === undefined) {
      out.push(`${f.path}: folder ${from} is not in the layer table (testkit/layers.ts LAYERS)`);
      continue;
    }
    const isTest = f.path.endsWith(".test.ts");
    for (const spec of importsOf(f.text)) {
      const target = resolveImport(f.path, spec);
      if (target.startsWith("..")) continue; // outside src/ (bin, bench)
      const to = folderOf(target);
      if (to === from) continue;
      if (isTest) {
        if (to === "cli" && fromRank < rankOf("command")!)
          out.push(`${f.path}: imports ${spec}: tests below command/ reach commands through testkit/cli.ts`);
        continue;
      }
      const toRank = rankOf(to);
      if (toRank === undefined) {
        out.push(`${f.path}: imports ${spec} from folder ${to}, which is not in the layer table`);
        continue;
      }
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      if (toRank > fromRank)
        out.push(`${f.path}: imports ${spec}: ${from} may not import ${to} (a higher layer)`);
    }
  }
  for (const [a, tos] of edges)
    for (const b of tos)
      if (a < b && edges.get(b)?.has(a)) out.push(`folders ${a} and ${b} import each other`);
  return out;
}
