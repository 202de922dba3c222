// Placeholder until the eBPF sampler lands (issue 3).
import { NotSupported } from "../../errors.js";
import type { Sampler, SamplerOptions } from "../../sampler/sampler.js";

export async function openBpfSampler(_opts: SamplerOptions): Promise<Sampler> {
  throw new NotSupported("bpf source", "not built yet");
}
