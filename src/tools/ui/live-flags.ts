// The --live flags of `tsnap ui` and `tsnap serve` (both view this machine now through
// ui-live.ts): declared once here, with the rules both apply: DIR or --live, not both, and
// the sampler's flags only with --live. The sampler's flags are top's and capture's
// (command/flags.ts), so they read and refuse values the same way there.
import { decimalFlag, type Flags, type FlagValues, switchFlag } from "../../command/args.js";
import { allFlag, hzFlag, pidFilterFlag, sourceFlag } from "../../command/flags.js";
import { parsePidFilter } from "../../command/pid-filter.js";
import { UsageError } from "../../errors.js";
import type { LiveOptions } from "./ui-live.js";

export const LIVE_FLAGS = {
  live: switchFlag({ long: "live", help: "sample this machine now (as tsnap capture does) instead of DIR" }),
  hz: hzFlag({ fallback: 5, min: 0.1, max: 100 }),
  minutes: decimalFlag({
    long: "minutes",
    arg: "N",
    help: "the window: the last N minutes (default 10)",
    min: 0.1,
    max: 1440,
    fallback: 10,
  }),
  source: sourceFlag,
  all: allFlag,
  // Checked (PIDs that exist) only with --live: without it, -p is refused as a usage error.
  pid: { ...pidFilterFlag, parse: (raw: unknown) => (raw === undefined ? undefined : String(raw)) },
} satisfies Flags;

type LiveValues = FlagValues<typeof LIVE_FLAGS>;

/**
 * The live sampler's options, or null without --live (then none of its flags may be
 * given). `given`: parseFlags' set of the flags on the command line.
 */
export function liveOptions(
  v: LiveValues,
  given: ReadonlySet<string | number | symbol>,
  positionals: readonly string[],
): LiveOptions | null {
  if (!v.live) {
    for (const f of ["hz", "minutes", "source", "all", "pid"] as const)
      if (given.has(f)) throw new UsageError(`--${LIVE_FLAGS[f].long} goes with --live`);
    return null;
  }
  if (positionals.length) throw new UsageError("give DIR or --live, not both");
  return { hz: v.hz, minutes: v.minutes, source: v.source, all: v.all, pid: parsePidFilter(v.pid) };
}
