// What every command module exports, and the I/O handle it writes through. Commands
// never call process.exit(); they return an exit code, so tests can run them in-process.
import type { FeatureName } from "../bpf/probes.js";

export interface Io {
  /** Standard output (no newline added). */
  out(text: string): void;
  /** Standard error (no newline added). */
  err(text: string): void;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop, flush and close. */
  signal: AbortSignal;
  /** True when stdout is a terminal (colour, screen redraw). */
  isTTY: boolean;
  /** Terminal width, or 0 when not a terminal. */
  columns: number;
}

export interface Command {
  name: string;
  /** One line for `tsnap --help`. */
  summary: string;
  /** Full `--help` text, including EXAMPLES. */
  help: string;
  run(argv: string[], io: Io): Promise<number>;
}

/**
 * BPF features a command needs (names from `bpf/probes.ts`): every feature of one inner
 * list is needed, and any one list will do (alternatives, e.g. `[["tp_btf"], ["raw_tp"]]`).
 * `[[]]`: needs none (reads /proc, tracefs, files).
 */
export type Needs = FeatureName[][];

/**
 * What a tool folder declares in `src/tools/<name>/<name>.tool.ts` (`export const tool`).
 * That file stays light (no runtime imports but types): the registry, `tsnap --help`,
 * `tsnap doctor` and the README's command list read it without loading the command.
 */
export interface ToolDescriptor {
  /** The command word; equal to the folder's name. */
  name: string;
  /** One line for `tsnap --help`, doctor and the README's command list. */
  summary: string;
  /** What it needs to run at all; doctor derives "works here / not here, why" from it. */
  needs: Needs;
  /** Doctor's words when the needs are met (default "works"), e.g. "reads /proc". */
  note?: string;
  /** Optional parts and what each needs (one doctor line each, under the command). */
  parts?: { what: string; needs: Needs; note?: string }[];
  /** The command module, imported only when the command runs (or prints --help). */
  load(): Promise<Command>;
}

/** A registry entry: a tool's descriptor, or a core command's, plus its doc page. */
export interface CommandEntry extends ToolDescriptor {
  /** The doc page, relative to the repository root (a tool's: `src/tools/<name>/<name>.md`). */
  doc: string;
}

/** A tool's command: its name and summary come from its descriptor (said once, in `<name>.tool.ts`). */
export function toolCommand(
  tool: Pick<ToolDescriptor, "name" | "summary">,
  help: string,
  run: Command["run"],
): Command {
  return { name: tool.name, summary: tool.summary, help, run };
}
