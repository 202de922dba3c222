// The dependency direction of ARCHITECTURE.md holds over every module of src/: no import
// from a higher layer, no two folders importing each other. The checker is tested first on
// made-up modules, so a check that found nothing because it looked at nothing would fail.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { importsOf, layerViolations, resolveImport, type SourceFile } from "./layers.js";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith(".ts"))
      out.push({ path: relative(SRC, p).split(sep).join("/"), text: readFileSync(p, "utf8") });
  }
  return out;
}

test("the checker finds upward imports, mutual folders and unknown folders in made-up modules", () => {
  assert.deepEqual(
    importsOf(
      `import a from "./a.js";\nexport * from "../b/c.js";\nconst m = await import("../d.js");\nimport "node:fs";`,
    ),
    ["./a.js", "../b/c.js", "../d.js"],
  );
  assert.equal(resolveImport("sources/bpf/x.ts", "../../model/sample.js"), "model/sample.ts");
  const found = layerViolations([
    { path: "model/a.ts", text: 'import { x } from "../sampler/loop.js";' },
    { path: "sampler/loop.ts", text: 'import type { A } from "../model/a.js";' },
    { path: "sources/proc/p.ts", text: 'import { B } from "../bpf/b.js";' },
    { path: "store/s.ts", text: 'import { C } from "../model/a.js";' },
    {
      path: "store/s.test.ts",
      text: 'import { T } from "../testkit/t.js";\nimport { D } from "../query/duck.js";',
    },
    { path: "store/c.test.ts", text: 'import { run } from "../cli/capture.js";' },
    { path: "widgets/w.ts", text: "" },
  ]);
  assert.deepEqual(found.sort(), [
    "folders model and sampler import each other",
    "model/a.ts: imports ../sampler/loop.js: model may not import sampler (a higher layer)",
    "sources/proc/p.ts: imports ../bpf/b.js: sources/proc may not import sources/bpf (a higher layer)",
    "store/c.test.ts: imports ../cli/capture.js: tests below command/ reach commands through testkit/cli.ts",
    "widgets/w.ts: folder widgets is not in the layer table (testkit/layers.ts LAYERS)",
  ]);
});

test("src/: every import goes to the same or a lower layer, and no two folders import each other", () => {
  // This file's made-up imports above are not imports.
  const files = sourceFiles(SRC).filter((f) => f.path !== "testkit/layers.test.ts");
  assert.ok(files.length > 100, `found ${files.length} modules under ${SRC}`);
  assert.ok(files.some((f) => importsOf(f.text).length > 3));
  assert.deepEqual(layerViolations(files), []);
});
