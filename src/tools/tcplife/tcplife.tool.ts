// The tcplife tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcplife",
  summary:
    "one line per TCP session as it closes: process, addresses, bytes each way, duration (bcc tcplife)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./tcplife.js")).command,
};
