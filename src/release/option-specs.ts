// Each command's flags, from the declarations it parses with (command/args.ts parseFlags,
// asked through OPTION_SPEC_PROBE): what the completions are generated from, so they name
// the same flags, value names and words as the command's --help.
import { type Flags, OPTION_SPEC_PROBE, OptionSpecProbe } from "../command/args.js";
import type { CommandEntry, Io } from "../command/command.js";

export interface Flag {
  long: string;
  short?: string;
  takesValue: boolean;
  /** The value's name in --help (`SECONDS`, `FMT`), when it takes one. */
  metavar?: string;
  /** What --help says about the flag, up to its first ';' or line break (at most ~72 characters). */
  description?: string;
  /** Its only values, when they are a closed set (`--format` table, json, ...). */
  choices?: string[];
}

export interface CommandFlags {
  name: string;
  summary: string;
  help: string;
  flags: Flag[];
}

const silentIo: Io = {
  out: () => {},
  err: () => {},
  signal: new AbortController().signal,
  isTTY: false,
  columns: 0,
};

/** The flags a command's `run` parses its arguments with. */
export async function declaredFlags(entry: CommandEntry): Promise<{ flags: Flags; help: string }> {
  const cmd = await entry.load();
  try {
    await cmd.run([OPTION_SPEC_PROBE], silentIo);
  } catch (err) {
    if (err instanceof OptionSpecProbe) return { flags: err.flags, help: cmd.help };
    throw new Error(`${entry.name}: asking for its flags failed`, { cause: err });
  }
  throw new Error(`${entry.name}: run() does not parse its arguments with command/args.ts parseFlags`);
}

const MAX_DESCRIPTION = 72;

/** A flag's help text as one short line: to its first ';' or break, cut at a word. Pure. */
export function shortDescription(help: string): string {
  const first = help.split("\n")[0].split("; ")[0].trim();
  if (first.length <= MAX_DESCRIPTION) return first;
  const cut = first.slice(0, MAX_DESCRIPTION);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 1))}...`;
}

/** Every command of the registry with its flags, in registry order. */
export async function commandFlags(commands: readonly CommandEntry[]): Promise<CommandFlags[]> {
  const out: CommandFlags[] = [];
  for (const entry of commands) {
    const { flags, help } = await declaredFlags(entry);
    const list = Object.values(flags).map((f) => ({
      long: f.long,
      short: f.short,
      takesValue: f.arg !== undefined,
      metavar: f.arg,
      ...(f.arg !== undefined && f.choices ? { choices: [...f.choices] } : {}),
      description: shortDescription(f.help),
    }));
    out.push({ name: entry.name, summary: entry.summary, help, flags: list });
  }
  return out;
}
