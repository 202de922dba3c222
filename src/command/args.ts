// Command-line parsing on top of node:util parseArgs: every failure becomes a UsageError
// (one line, exit code 2), and number flags are checked in one place. A command declares
// its flags as `Flag`s (names, --help line, value check: one definition each; the ones
// several commands share are in flags.ts): `parseFlags` gives typed values and `flagHelp`
// the OPTIONS lines of --help from the same declarations.
import { parseArgs as nodeParseArgs } from "node:util";
import { UsageError } from "../errors.js";
import { parseDecimal } from "../platform/decimal.js";
import { compileUserRegex } from "../platform/user-regex.js";
import { OUTPUT_FORMATS, type OutputFormat } from "../report/output.js";

export type RawValue = string | boolean | string[] | boolean[] | undefined;

export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean }
>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * Asking a command for its flags without running it (the release build generates man
 * pages' and shell completions' flags from them): a command run with this single argument
 * throws `OptionSpecProbe` from its `parseFlags`, carrying the very declarations it parses
 * with. No user can type it.
 */
export const OPTION_SPEC_PROBE = "--\u0000tsnap-option-spec";

export class OptionSpecProbe {
  constructor(readonly flags: Flags) {}
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

// ---- declared flags ---------------------------------------------------------------------

/** One flag: its names, its --help text and how its value is checked. */
export interface Flag<T> {
  long: string;
  short?: string;
  /** The value's name in --help (SECONDS, PID, ...); absent: a switch without a value. */
  arg?: string;
  /** May be given more than once (the raw value is then a list). */
  multiple?: boolean;
  /** The only values it takes, when they are a closed set (shell completions list them). */
  choices?: readonly string[];
  /** The --help text (wrapped by flagHelp); "\n" starts a new line. */
  help: string;
  /** The value (raw is undefined when the flag is absent); `label` names it in errors. */
  parse(raw: RawValue, label: string): T;
}

// biome-ignore lint/suspicious/noExplicitAny: a set of flags of any value types
export type Flags = Record<string, Flag<any>>;
export type FlagValues<F extends Flags> = { [K in keyof F]: ReturnType<F[K]["parse"]> };

/** How a flag is named in error messages: its short form if it has one (-d), else --long. */
export function flagLabel(f: Pick<Flag<unknown>, "long" | "short">): string {
  return f.short ? `-${f.short}` : `--${f.long}`;
}

/**
 * Parses argv against declared flags: typed values (keyed as in `flags`), positionals, and
 * which flags were given (a value alone cannot say whether it is the default).
 */
export function parseFlags<F extends Flags>(
  argv: string[],
  flags: F,
  maxPositionals = 0,
): { values: FlagValues<F>; positionals: string[]; given: ReadonlySet<keyof F> } {
  if (argv.length === 1 && argv[0] === OPTION_SPEC_PROBE) throw new OptionSpecProbe(flags);
  const spec: OptionSpec = {};
  for (const f of Object.values(flags)) {
    if (spec[f.long]) throw new Error(`flag --${f.long} declared twice`);
    spec[f.long] = {
      type: f.arg ? "string" : "boolean",
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  }
  const parsed = parseArgs(argv, spec, maxPositionals);
  const values: Record<string, unknown> = {};
  const given = new Set<keyof F>();
  for (const [key, f] of Object.entries(flags)) {
    values[key] = f.parse(parsed.values[f.long], flagLabel(f));
    if (parsed.values[f.long] !== undefined) given.add(key);
  }
  return { values: values as FlagValues<F>, positionals: parsed.positionals, given };
}

const HELP_WIDTH = 90;
const MAX_NAME_COLUMN = 28;

/** A positional argument as --help describes it (after the flags, in the same columns). */
export interface Positional {
  name: string;
  help: string;
}

/**
 * The OPTIONS lines of a command's --help, from its flags (then -h, --help unless
 * `withHelp` is false, then the `positionals`).
 */
export function flagHelp(flags: Flags, withHelp = true, positionals: readonly Positional[] = []): string {
  const help = { long: "help", short: "h", help: "this text" } as Flag<unknown>;
  const all = [...Object.values(flags), ...(withHelp ? [help] : [])];
  const names = all.map((f) => {
    const short = f.short ? `-${f.short}, ` : "    ";
    return `  ${short}--${f.long}${f.arg ? ` ${f.arg}` : ""}`;
  });
  for (const p of positionals) {
    all.push({ long: p.name, help: p.help } as Flag<unknown>);
    names.push(`  ${p.name}`);
  }
  const column = Math.min(MAX_NAME_COLUMN, Math.max(...names.map((n) => n.length)) + 2);
  const out: string[] = [];
  all.forEach((f, i) => {
    const lines = wrap(f.help, HELP_WIDTH - column);
    if (names[i].length + 2 > column) out.push(names[i]);
    else out.push(names[i].padEnd(column) + lines.shift());
    for (const l of lines) out.push(" ".repeat(column) + l);
  });
  return `${out.join("\n")}\n`;
}

/** Words into lines of at most `width` characters ("\n" in the text forces a break). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/ +/)) {
      if (line !== "" && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === "" ? word : `${line} ${word}`;
    }
    out.push(line);
  }
  return out;
}

type Names = { long: string; short?: string; help: string };

/** A switch. */
export function switchFlag(n: Names): Flag<boolean> {
  return { ...n, parse: (raw) => raw === true };
}

/** A string value, undefined when absent. */
export function textFlag(n: Names & { arg: string }): Flag<string | undefined> {
  return { ...n, parse: stringFlag };
}

/** A string value that may be given more than once. */
export function textsFlag(n: Names & { arg: string }): Flag<string[]> {
  return { ...n, multiple: true, parse: (raw) => (raw === undefined ? [] : (raw as string[]).map(String)) };
}

/** A comma-separated list, undefined when absent. */
export function listOptionFlag(n: Names & { arg: string }): Flag<string[] | undefined> {
  return { ...n, parse: (raw) => (raw === undefined ? undefined : listFlag(raw)) };
}

type NumberLimits = { min?: number; max?: number; integer?: boolean };

/** A number within limits; `fallback` when absent. */
export function decimalFlag(n: Names & { arg: string } & NumberLimits & { fallback: number }): Flag<number> {
  const { fallback, min, max, integer, ...names } = n;
  return { ...names, parse: (raw, label) => numberFlag(raw, label, { fallback, min, max, integer }) };
}

/** A number within limits, undefined when absent. */
export function optionalDecimalFlag(n: Names & { arg: string } & NumberLimits): Flag<number | undefined> {
  const { min, max, integer, ...names } = n;
  return {
    ...names,
    parse: (raw, label) =>
      raw === undefined ? undefined : numberFlag(raw, label, { fallback: 0, min, max, integer }),
  };
}

/** One of a closed set of values; `fallback` when absent. */
export function oneOfFlag<T extends string>(
  n: Names & { arg: string; choices: readonly T[]; fallback: T },
): Flag<T> {
  const { choices, fallback, ...names } = n;
  return { ...names, choices, parse: (raw, label) => choiceFlag(raw, label, choices, fallback) };
}

/** One of a closed set of values, undefined when absent. */
export function optionalOneOfFlag<T extends string>(
  n: Names & { arg: string; choices: readonly T[] },
): Flag<T | undefined> {
  const { choices, ...names } = n;
  return {
    ...names,
    choices,
    parse: (raw, label) => (raw === undefined ? undefined : choiceFlag(raw, label, choices, choices[0])),
  };
}
