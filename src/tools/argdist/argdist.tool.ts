// The argdist tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "argdist",
  summary:
    "values of function parameters, return values, USDT arguments or tracepoint fields, filtered, counted or as histograms in the kernel (bcc argdist)",
  needs: [["uprobe"], ["tracepoint"]],
  load: async () => (await import("./argdist.js")).command,
};
