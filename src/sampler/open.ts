// Picks and opens a source: proc, bpf, or auto (bpf where it works, else proc with one
// notice line saying why).
import { NotSupported, UsageError } from "../errors.js";
import type { Sampler, SamplerOptions } from "../model/sampler.js";

export type SourceChoice = "auto" | "proc" | "bpf";
export const SOURCE_CHOICES: readonly SourceChoice[] = ["auto", "proc", "bpf"];

export async function openSampler(
  choice: SourceChoice,
  opts: SamplerOptions,
  notice: (line: string) => void,
): Promise<Sampler> {
  if (choice === "proc") return openProc(opts);
  try {
    const { openBpfSampler } = await import("../sources/bpf/bpf-sampler.js");
    return await openBpfSampler({ notice, ...opts });
  } catch (err) {
    if (choice === "bpf") throw err;
    if (!(err instanceof NotSupported) && !(err instanceof UsageError)) throw err;
    notice(`tsnap: using the proc source (${err.message})`);
    return openProc(opts);
  }
}

async function openProc(opts: SamplerOptions): Promise<Sampler> {
  const { ProcSampler } = await import("../sources/proc/proc-sampler.js");
  return new ProcSampler(opts);
}
