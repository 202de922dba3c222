// node:util parseArgs behind one call: every failure it reports becomes a UsageError (one
// line, exit code 2) in words a user can act on, and a value option followed by what looks
// like a negative number takes it as its value. The layer under declared flags (flag-parse.ts).
import { parseArgs as nodeParseArgs } from "node:util";
import { UsageError } from "../errors.js";

export type RawValue = string | boolean | string[] | boolean[] | undefined;

export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean }
>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parse argv against a spec; unknown flags and missing values throw UsageError. */
export function parseArgs(argv: string[], options: OptionSpec, maxPositionals = Infinity): Parsed {
  let parsed: Parsed;
  try {
    const args = joinNegativeValues(argv, options);
    parsed = nodeParseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw new UsageError(cleanParseMessage(err));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  return parsed;
}

/**
 * A value option followed by something that starts like a negative number or relative
 * time (`-d -5`, `--from -1h`) takes it as its value (`--duration=-5`), so that the value
 * check, not the option parser, says what is wrong with it.
 */
export function joinNegativeValues(argv: readonly string[], options: OptionSpec): string[] {
  const valueOption = new Map<string, string>();
  for (const [long, spec] of Object.entries(options)) {
    if (spec.type !== "string") continue;
    valueOption.set(`--${long}`, long);
    if (spec.short) valueOption.set(`-${spec.short}`, long);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const long = valueOption.get(argv[i]);
    const next = argv[i + 1];
    if (long !== undefined && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`--${long}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

function cleanParseMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // node's messages carry advice about "--" and positionals; keep the first sentence.
  const flag = (f: string) => f.replace(/^-\w, /, "").replace(/ <value>$/, "");
  const unknown = /Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `unknown option '${unknown[1]}' (see --help)`;
  const missing = /Option '([^']+)' argument missing/.exec(msg);
  if (missing) return `option '${flag(missing[1])}' needs a value`;
  const ambiguous = /Option '([^']+)' argument is ambiguous/.exec(msg);
  if (ambiguous) {
    // node names the long form to use in its advice ("use '--pid=-XYZ'").
    const long = /use '(--[\w-]+)=/.exec(msg)?.[1] ?? flag(ambiguous[1]);
    return `option '${flag(ambiguous[1])}' is followed by what looks like an option; if that is its value, write ${long}=VALUE`;
  }
  return msg.split(/\.\s/)[0];
}
