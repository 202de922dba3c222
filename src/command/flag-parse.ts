// argv parsed against a command's declared flags (flag-declare.ts): typed values,
// positionals, which flags were given; and the probe that asks a command for its flags
// without running it.
import { type OptionSpec, parseArgs } from "./argv-parse.js";
import { type Flags, type FlagValues, flagLabel } from "./flag-declare.js";

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
