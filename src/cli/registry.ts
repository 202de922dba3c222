// The list of commands: the core ones declared here, then every tool folder of src/tools/
// (its `<name>.tool.ts`, listed by the generated `tools/index.ts`). Modules load lazily so
// `tsnap top` never pays for DuckDB or libbpf, nor for any tool.

import type { CommandEntry, ToolDescriptor } from "../command/command.js";
import { TOOLS } from "../tools/index.js";

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

const CORE: CommandEntry[] = [
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

/** Core commands first, then the tools by name. */
export const COMMANDS: readonly CommandEntry[] = [
  ...CORE,
  ...[...TOOLS]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t) => ({ ...t, doc: toolDoc(t.name) })),
];
