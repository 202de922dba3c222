// The -p flag shared by top and capture: PIDs (each must exist) or a regex on thread names.
import { existsSync } from "node:fs";
import { InputError, UsageError } from "../errors.js";
import type { SamplerOptions } from "../model/sampler.js";
import { regexFlag } from "./args.js";

/** -p: a comma-separated list of PIDs (each must exist), or else a regex on thread names. */
export function parsePidFilter(raw: string | undefined): Pick<SamplerOptions, "pids" | "comm"> {
  if (raw === undefined) return {};
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.every((p) => /^\d+$/.test(p))) {
    const pids = new Set(parts.map(Number));
    for (const pid of pids) {
      if (pid === 0 || !existsSync(`/proc/${pid}`)) throw new InputError(`no process with PID ${pid}`);
    }
    return { pids };
  }
  if (parts.some((p) => /^-?\d+$/.test(p)) && parts.length > 1)
    throw new UsageError(`-p: '${raw}' mixes PIDs and names`);
  if (/^-\d+$/.test(raw.trim())) throw new UsageError(`-p: bad PID '${raw}'`);
  return { comm: regexFlag(raw, "-p", true) };
}
