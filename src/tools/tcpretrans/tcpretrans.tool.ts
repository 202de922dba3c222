// The tcpretrans tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcpretrans",
  summary: "every TCP retransmission, or counts per connection (bcc tcpretrans)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./tcpretrans.js")).command,
};
