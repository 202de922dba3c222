// The tcpstates tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcpstates",
  summary: "every TCP state change, with the time spent in the state left (bcc tcpstates)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./tcpstates.js")).command,
};
