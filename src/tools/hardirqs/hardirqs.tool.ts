// The hardirqs tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "hardirqs",
  summary: "time in hard interrupt handlers, totals or histograms per handler, in the kernel (bcc hardirqs)",
  needs: [["tp_btf"], ["raw_tp"]],
  load: async () => (await import("./hardirqs.js")).command,
};
