// Writes the generated part of a release into a staging directory (scripts/release.sh):
// package.json and release.json, man pages from every --help, bash and zsh completions
// from the command registry and option specs.
//   node dist/src/release/gen-release-files.js STAGE --commit C --date YYYY-MM-DD
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "../cli/registry.js";
import { topHelp } from "../cli/top-help.js";
import { VERSION } from "../cli/version.js";
import { parseArgs } from "../command/args.js";
import { PACKAGE_ROOT } from "../platform/installation.js";
import { bashCompletion, zshCompletion } from "./completions.js";
import { manPage } from "./man-page.js";
import { commandFlags } from "./option-specs.js";
import { type RepoPackageJson, releaseInfo, releasePackageJson } from "./package-files.js";

export async function genReleaseFiles(stage: string, commit: string, date: string): Promise<void> {
  const repo = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as RepoPackageJson;
  if (repo.version !== VERSION)
    throw new Error(`package.json says ${repo.version}, platform/version.ts ${VERSION}`);
  const commands = await commandFlags(COMMANDS);
  const pages: [string, string, string][] = [
    ["tsnap", "what every Linux thread is doing and waiting on", topHelp()],
    ...commands.map((c): [string, string, string] => [`tsnap-${c.name}`, c.summary, c.help]),
  ];
  mkdirSync(join(stage, "man/man1"), { recursive: true });
  const manPaths: string[] = [];
  for (const [name, summary, help] of pages) {
    const seeAlso = name === "tsnap" ? pages.slice(1).map((p) => p[0]) : ["tsnap"];
    const path = `man/man1/${name}.1`;
    writeFileSync(join(stage, path), manPage({ name, summary, help, version: VERSION, date, seeAlso }));
    manPaths.push(path);
  }
  mkdirSync(join(stage, "completions"), { recursive: true });
  writeFileSync(join(stage, "completions/tsnap.bash"), bashCompletion(commands));
  writeFileSync(join(stage, "completions/_tsnap"), zshCompletion(commands));
  const objects = readdirSync(join(stage, "build/bpf"))
    .filter((f) => f.endsWith(".bpf.o"))
    .map((f) => f.slice(0, -".bpf.o".length));
  writeFileSync(
    join(stage, "release.json"),
    `${JSON.stringify(releaseInfo(VERSION, commit, objects), null, 2)}\n`,
  );
  writeFileSync(
    join(stage, "package.json"),
    `${JSON.stringify(releasePackageJson(repo, manPaths), null, 2)}\n`,
  );
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    { commit: { type: "string" }, date: { type: "string" } },
    1,
  );
  if (positionals.length !== 1 || !values.commit || !values.date) {
    process.stderr.write("usage: gen-release-files STAGE --commit C --date YYYY-MM-DD\n");
    return 2;
  }
  await genReleaseFiles(positionals[0], String(values.commit), String(values.date));
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
