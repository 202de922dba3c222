// The README's command list (the docs index): one line per registry entry with its summary
// and doc page, between two markers. setup.sh rewrites it after each build
// (`node dist/src/cli/readme-commands.js --write`), so a new tool folder shows up with no
// edit; readme-commands.test.ts fails when README.md and the registry differ.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandEntry } from "../command/command.js";
import { COMMANDS } from "./registry.js";

export const BEGIN =
  "<!-- commands: written by scripts/setup.sh from the command registry and src/tools/*/; do not edit -->";
export const END = "<!-- /commands -->";

/** A doc page as a link from the README (a page of the README itself becomes its anchor). */
function link(doc: string): string {
  return doc.startsWith("README.md#") ? doc.slice("README.md".length) : doc;
}

/** The markdown list, one line per command. Pure. */
export function commandList(entries: readonly CommandEntry[]): string {
  return entries.map((c) => `- [\`tsnap ${c.name}\`](${link(c.doc)}): ${c.summary}`).join("\n");
}

/** `readme` with the text between the markers replaced by the list. Pure. */
export function withCommandList(readme: string, entries: readonly CommandEntry[]): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${BEGIN} ... ${END}`);
  return `${readme.slice(0, a + BEGIN.length)}\n${commandList(entries)}\n${readme.slice(b)}`;
}

export const README_PATH = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "README.md");

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "--write") {
  const text = readFileSync(README_PATH, "utf8");
  const next = withCommandList(text, COMMANDS);
  if (next !== text) writeFileSync(README_PATH, next);
}
