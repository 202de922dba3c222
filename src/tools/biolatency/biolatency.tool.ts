// The biolatency tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "biolatency",
  summary: "block I/O latency as histograms in the kernel, per disk or per I/O flags (bcc biolatency)",
  needs: [["tp_btf_block"], ["raw_tp"]],
  load: async () => (await import("./biolatency.js")).command,
};
