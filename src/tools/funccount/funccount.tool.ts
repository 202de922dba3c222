// The funccount tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "funccount",
  summary:
    "calls of user functions and hits of tracepoints counted in the kernel, by bcc's probe patterns (bcc funccount)",
  needs: [["uprobe"], ["tracepoint"]],
  load: async () => (await import("./funccount.js")).command,
};
