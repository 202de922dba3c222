// The tcpaccept tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcpaccept",
  summary: "every TCP connection accept()ed, with its addresses and ports (bcc tcpaccept)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./tcpaccept.js")).command,
};
