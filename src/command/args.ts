// Command-line parsing on top of node:util parseArgs: every failure becomes a UsageError
// (one line, exit code 2), and number flags are checked in one place.
import { parseArgs as nodeParseArgs } from "node:util";
import { UsageError } from "../errors.js";
import { parseDecimal } from "../platform/decimal.js";
import { compileUserRegex } from "../platform/user-regex.js";
import { OUTPUT_FORMATS, type OutputFormat } from "../report/output.js";

export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean }
>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * Asking a command for its flags without running it (the release build generates shell
 * completions from them): a command run with this single argument throws `OptionSpecProbe`
 * from its first `parseArgs`, carrying the very spec it parses with. No user can type it.
 */
export const OPTION_SPEC_PROBE = "--\u0000tsnap-option-spec";

export class OptionSpecProbe {
  constructor(readonly options: OptionSpec) {}
}

/** Parse argv against a spec; unknown flags and missing values throw UsageError. */
export function parseArgs(argv: string[], options: OptionSpec, maxPositionals = Infinity): Parsed {
  if (argv.length === 1 && argv[0] === OPTION_SPEC_PROBE) throw new OptionSpecProbe(options);
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

/** A number flag: finite, within [min, max], an integer when `integer`. */
export function numberFlag(
  raw: string | boolean | string[] | boolean[] | undefined,
  name: string,
  opts: { min?: number; max?: number; integer?: boolean; fallback: number },
): number {
  if (raw === undefined) return opts.fallback;
  const text = String(raw).trim();
  const value = parseDecimal(text);
  if (value === null) throw new UsageError(`${name} must be a decimal number, got '${text}'`);
  if (opts.integer && !Number.isInteger(value))
    throw new UsageError(`${name} must be a whole number, got '${text}'`);
  if (opts.min !== undefined && value < opts.min)
    throw new UsageError(`${name} must be at least ${opts.min}, got ${text}`);
  if (opts.max !== undefined && value > opts.max)
    throw new UsageError(`${name} must be at most ${opts.max}, got ${text}`);
  return value;
}

/** A flag with a closed set of values. */
export function choiceFlag<T extends string>(
  raw: string | boolean | string[] | boolean[] | undefined,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  const text = String(raw);
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`${name} must be one of ${choices.join(", ")}, got '${text}'`);
  }
  return text as T;
}

/** --format of a command with row output (report/output.ts): table, json, ndjson or csv. */
export function outputFormatFlag(raw: string | boolean | string[] | boolean[] | undefined): OutputFormat {
  return choiceFlag(raw, "--format", OUTPUT_FORMATS, "table");
}

/** A string flag (or undefined). */
export function stringFlag(raw: string | boolean | string[] | boolean[] | undefined): string | undefined {
  return raw === undefined ? undefined : String(raw);
}

/** Comma-separated list flag: "a,b, c" → ["a","b","c"]. */
export function listFlag(raw: string | boolean | string[] | boolean[] | undefined): string[] {
  if (raw === undefined) return [];
  return String(raw)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Compile a user regex for linear-time matching; a bad pattern is a UsageError. `memo`:
 * remember answers per text (for names matched every round).
 */
export function regexFlag(text: string, name: string, memo = false): RegExp {
  return compileUserRegex(text, name, "", memo);
}
