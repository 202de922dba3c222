// The core commands (declared here) and the lookup of one command by name: a tool is found
// by its name (the generated tools/names.ts) and only its own descriptor is imported, so
// running `tsnap check` loads neither the other tools' descriptors nor any of their modules
// (registry.ts holds the full list, for --help, doctor and the README).

import type { CommandEntry, ToolDescriptor } from "../command/command.js";
import { TOOL_NAMES } from "../tools/names.js";

/** What the bpf source of `top` and `capture` needs, part by part (the proc source needs nothing). */
const SAMPLER_PARTS: NonNullable<ToolDescriptor["parts"]> = [
  { what: "--source bpf", needs: [["task_iter", "ringbuf"]] },
  {
    what: "bpf: syscall + block I/O tracking",
    needs: [
      ["tp_btf", "tp_btf_block", "task_storage"],
      ["raw_tp", "task_storage"],
    ],
  },
  { what: "bpf: kernel stacks (-g kstack)", needs: [["task_stack"]] },
  { what: "bpf: user stacks (-g ustack)", needs: [["task_iter_sleepable"]] },
];

export const CORE: readonly CommandEntry[] = [
  {
    name: "top",
    summary: "active threads grouped by any columns (psn)",
    needs: [[]],
    note: "--source proc reads /proc, for any user",
    parts: SAMPLER_PARTS,
    doc: "README.md#tsnap-top",
    load: async () => (await import("./top.js")).command,
  },
  {
    name: "capture",
    summary: "always-on capture of thread activity to hourly files (xcapture)",
    needs: [[]],
    note: "--source proc reads /proc, for any user",
    parts: SAMPLER_PARTS,
    doc: "docs/cmd-capture.md",
    load: async () => (await import("./capture.js")).command,
  },
  {
    name: "query",
    summary: "analyse captured history by any columns (xtop)",
    needs: [[]],
    note: "reads capture files",
    doc: "docs/cmd-query.md",
    load: async () => (await import("./query.js")).command,
  },
  {
    name: "ship",
    summary: "upload closed capture segments to S3-compatible storage (fleet)",
    needs: [[]],
    note: "reads capture files, writes to the store",
    doc: "docs/fleet.md",
    load: async () => (await import("./ship.js")).command,
  },
  {
    name: "fleet",
    summary: "query a fleet's shipped history in embedded ClickHouse (chDB)",
    needs: [[]],
    note: "reads the store or a mirror; needs chDB (scripts/setup.sh --tests)",
    doc: "docs/fleet.md",
    load: async () => (await import("./fleet.js")).command,
  },
  {
    name: "doctor",
    summary: "what this machine supports: kernel, BTF, privileges, BPF probes, commands",
    needs: [[]],
    doc: "docs/cmd-doctor.md",
    load: async () => (await import("./doctor.js")).command,
  },
];

/** Where a tool's doc page is: in its folder, named after it. */
export function toolDoc(name: string): string {
  return `src/tools/${name}/${name}.md`;
}

/** The command called `name` (core or tool), importing no other tool's descriptor; undefined if none. */
export async function findCommand(name: string): Promise<CommandEntry | undefined> {
  const core = CORE.find((c) => c.name === name);
  if (core) return core;
  if (!TOOL_NAMES.includes(name)) return undefined; // also keeps `name` out of the import path
  const { tool } = (await import(`../tools/${name}/${name}.tool.js`)) as { tool: ToolDescriptor };
  return { ...tool, doc: toolDoc(tool.name) };
}
