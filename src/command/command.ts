// What every command module exports, and the I/O handle it writes through. Commands
// never call process.exit(); they return an exit code, so tests can run them in-process.

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
