// The funclatency tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "funclatency",
  summary: "time of each call of user functions as a log2 histogram made in the kernel (bcc funclatency)",
  needs: [["uprobe"]],
  load: async () => (await import("./funclatency.js")).command,
};
