// The cpudist tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "cpudist",
  summary: "on-CPU (or off-CPU) time per scheduling interval as histograms in the kernel (bcc cpudist)",
  needs: [["tp_btf_sched"], ["raw_tp"]],
  load: async () => (await import("./cpudist.js")).command,
};
