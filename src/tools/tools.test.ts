// One folder per tool: every folder of src/tools/ must be picked up, with no edit
// elsewhere, by the registry, `tsnap --help`, `tsnap doctor` and the README's command list;
// and the registry must stay lazy (`--help` imports descriptors only, never a command).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { README_PATH, withCommandList } from "../cli/readme-commands.js";
import { COMMANDS } from "../cli/registry.js";
import { runCli, TSNAP_BIN } from "../testkit/cli.js";
import { REPO_ROOT } from "../testkit/workloads.js";

/** The truth: the folders on disk (in the source tree, not what the build made of them). */
const FOLDERS = readdirSync(join(REPO_ROOT, "src/tools"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test("src/tools/ has tool folders, and the generated index lists exactly them", () => {
  assert.ok(FOLDERS.length >= 3, FOLDERS.join(","));
  const r = spawnSync("bash", [join(REPO_ROOT, "scripts/gen-tools-index.sh"), "--check"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const index = readFileSync(join(REPO_ROOT, "src/tools/index.ts"), "utf8");
  const listed = [...index.matchAll(/from "\.\/([^/]+)\/\1\.tool\.js"/g)].map((m) => m[1]).sort();
  assert.deepEqual(listed, FOLDERS);
});

test("every tool folder is a registry entry named after it, with its doc page in the folder", () => {
  const names = COMMANDS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, `duplicate command names: ${names.join(",")}`);
  for (const f of FOLDERS) {
    const entry = COMMANDS.find((c) => c.name === f);
    assert.ok(entry, `src/tools/${f}/ is not in the registry`);
    assert.equal(entry.doc, `src/tools/${f}/${f}.md`);
    assert.ok(existsSync(join(REPO_ROOT, entry.doc)), `${entry.doc} is missing`);
    assert.ok(existsSync(join(REPO_ROOT, `src/tools/${f}/${f}.ts`)), `src/tools/${f}/${f}.ts is missing`);
  }
  for (const c of COMMANDS) {
    assert.ok(existsSync(join(REPO_ROOT, c.doc.replace(/#.*/, ""))), `${c.name}: ${c.doc} is missing`);
  }
});

test("every tool folder is listed by tsnap --help", async () => {
  const r = await runCli(["--help"]);
  for (const f of FOLDERS) {
    const summary = COMMANDS.find((c) => c.name === f)!.summary;
    assert.ok(r.stdout.includes(`\n  ${f} `) && r.stdout.includes(summary), `--help lacks ${f}`);
  }
});

test("every tool folder has a verdict in tsnap doctor, derived from its declared needs", async () => {
  const r = await runCli(["doctor", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as {
    probes: { feature: string; ok: boolean }[];
    commands: { command: string; part?: string; ok: boolean }[];
  };
  const probed = new Map(rep.probes.map((p) => [p.feature, p.ok]));
  for (const f of FOLDERS) {
    const v = rep.commands.find((c) => c.command === f && c.part === undefined);
    assert.ok(v, `doctor lacks ${f}`);
    const needs = COMMANDS.find((c) => c.name === f)!.needs;
    // Truth: the probes doctor itself reported (all false when probing was skipped).
    const expected = needs.some((alt) => alt.every((feature) => probed.get(feature) === true));
    assert.equal(v.ok, expected, `${f}: needs ${JSON.stringify(needs)}`);
  }
});

test("README's command list is the registry's (every tool folder with its doc page)", () => {
  const readme = readFileSync(README_PATH, "utf8");
  assert.equal(readme, withCommandList(readme, COMMANDS), "run scripts/setup.sh (it rewrites the list)");
  for (const f of FOLDERS) assert.ok(readme.includes(`- [\`tsnap ${f}\`](src/tools/${f}/${f}.md): `), f);
});

test("tsnap --help loads the tools' descriptors only: no command module, no libbpf, no DuckDB", () => {
  const hook = `data:text/javascript,${encodeURIComponent(
    `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent("export async function resolve(s, c, n) { const r = await n(s, c); process.stderr.write('LOAD ' + r.url + '\\\\n'); return r; }"));`,
  )}`;
  const r = spawnSync(process.execPath, ["--import", hook, TSNAP_BIN, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const loaded = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("LOAD "))
    .map((l) => l.slice(5));
  for (const f of FOLDERS)
    assert.ok(
      loaded.some((u) => u.endsWith(`/tools/${f}/${f}.tool.js`)),
      f,
    );
  const heavy = loaded.filter(
    (u) => /\/tools\/[^/]+\/[^/]+(?<!\.tool)\.js$/.test(u) && !u.endsWith("/tools/index.js"),
  );
  assert.deepEqual(heavy, [], "command modules loaded for --help");
  assert.deepEqual(
    loaded.filter((u) => /koffi|duckdb|\/bpf\/|\/query\/|\/cli\/(top|capture|query|doctor)\.js/.test(u)),
    [],
  );
});
