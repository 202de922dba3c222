// The numamove tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "numamove",
  summary:
    "NUMA balancing's page migrations and their time every second, from migrate tracepoints (bcc numamove)",
  needs: [["tracepoint"]],
  load: async () => (await import("./numamove.js")).command,
};
