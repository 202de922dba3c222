// A command's flags declared once each (`Flag`: names, --help line, value check), and the
// constructors of the usual kinds (switch, text, number, one of a set). flag-parse.ts parses
// argv against them, flag-help.ts writes their --help lines.
import type { RawValue } from "./argv-parse.js";
import { choiceFlag, listFlag, numberFlag, stringFlag } from "./flag-values.js";

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
