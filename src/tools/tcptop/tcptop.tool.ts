// The tcptop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcptop",
  summary: "TCP bytes sent and received per process and connection, every interval (bcc tcptop)",
  needs: [["tracepoint"]],
  load: async () => (await import("./tcptop.js")).command,
};
