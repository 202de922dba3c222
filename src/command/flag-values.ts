// The checks of one flag's raw value (as argv-parse.ts gives it): numbers within limits, a
// closed set of choices, strings, comma lists, user regexes; a bad value is a UsageError
// naming the flag.
import { UsageError } from "../errors.js";
import { parseDecimal } from "../platform/decimal.js";
import { compileUserRegex } from "../platform/user-regex.js";
import { OUTPUT_FORMATS, type OutputFormat } from "../report/output.js";
import type { RawValue } from "./argv-parse.js";

/** A number flag: finite, within [min, max], an integer when `integer`. */
export function numberFlag(
  raw: RawValue,
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
  raw: RawValue,
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
export function outputFormatFlag(raw: RawValue): OutputFormat {
  return choiceFlag(raw, "--format", OUTPUT_FORMATS, "table");
}

/** A string flag (or undefined). */
export function stringFlag(raw: RawValue): string | undefined {
  return raw === undefined ? undefined : String(raw);
}

/** Comma-separated list flag: "a,b, c" → ["a","b","c"]. */
export function listFlag(raw: RawValue): string[] {
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
