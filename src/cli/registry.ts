// The list of commands: the core ones (core-commands.ts), then every tool folder of
// src/tools/ (its `<name>.tool.ts`, listed by the generated `tools/index.ts`). Modules load
// lazily so `tsnap top` never pays for DuckDB or libbpf, nor for any tool; running one
// command does not even import this list (core-commands.ts finds it by name).

import type { CommandEntry } from "../command/command.js";
import { TOOLS } from "../tools/index.js";
import { CORE, toolDoc } from "./core-commands.js";

export { toolDoc };

/** Core commands first, then the tools by name. */
export const COMMANDS: readonly CommandEntry[] = [
  ...CORE,
  ...[...TOOLS]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t) => ({ ...t, doc: toolDoc(t.name) })),
];
