// Each command's flags, from the spec it parses with (command/args.ts OPTION_SPEC_PROBE),
// with the words its --help says about each: what the completions are generated from.
import { OPTION_SPEC_PROBE, type OptionSpec, OptionSpecProbe } from "../command/args.js";
import type { CommandEntry, Io } from "../command/command.js";

export interface Flag {
  long: string;
  short?: string;
  takesValue: boolean;
  /** The value's name in --help (`SECONDS`, `FMT`), when it shows one. */
  metavar?: string;
  /** The first line --help gives the flag, when it has one. */
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

/** The spec a command's `run` parses its arguments with. */
export async function optionSpecOf(entry: CommandEntry): Promise<{ spec: OptionSpec; help: string }> {
  const cmd = await entry.load();
  try {
    await cmd.run([OPTION_SPEC_PROBE], silentIo);
  } catch (err) {
    if (err instanceof OptionSpecProbe) return { spec: err.options, help: cmd.help };
    throw new Error(`${entry.name}: asking for its option spec failed`, { cause: err });
  }
  throw new Error(`${entry.name}: run() does not parse its arguments with command/args.ts parseArgs`);
}

/** The help line of a flag: `  -d, --duration SECONDS   how long ...` → metavar and words. */
export function flagHelp(help: string, long: string): { metavar?: string; description?: string } {
  const esc = long.replace(/[-]/g, "\\-");
  const re = new RegExp(`^\\s+(?:-\\w, )?--${esc}(?:[ =]([^\\s,]+))?(?:,[^ ]*)?\\s{2,}(\\S.*)$`);
  for (const line of help.split("\n")) {
    const m = re.exec(line);
    if (m) {
      const description = m[2].replace(/\s*\[(default|required)[^\]]*\]\s*$/, "").trim();
      return { metavar: m[1], description: description || undefined };
    }
  }
  return {};
}

/** Every command of the registry with its flags, in registry order. */
export async function commandFlags(commands: readonly CommandEntry[]): Promise<CommandFlags[]> {
  const out: CommandFlags[] = [];
  for (const entry of commands) {
    const { spec, help } = await optionSpecOf(entry);
    const flags = Object.entries(spec).map(([long, s]) => ({
      long,
      short: s.short,
      takesValue: s.type === "string",
      ...(s.type === "string" && s.choices ? { choices: [...s.choices] } : {}),
      ...flagHelp(help, long),
    }));
    out.push({ name: entry.name, summary: entry.summary, help, flags });
  }
  return out;
}
