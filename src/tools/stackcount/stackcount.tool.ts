// The stackcount tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "stackcount",
  summary:
    "stacks leading to calls of user functions or hits of tracepoints, counted in the kernel (bcc stackcount)",
  needs: [["uprobe"], ["tracepoint"]],
  load: async () => (await import("./stackcount.js")).command,
};
