// The runqlat tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "runqlat",
  summary: "run-queue (scheduler) latency as histograms in the kernel, per process or thread (bcc runqlat)",
  needs: [["tp_btf_sched"], ["raw_tp"]],
  load: async () => (await import("./runqlat.js")).command,
};
