// The tcpsynbl tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcpsynbl",
  summary: "TCP accept-queue (SYN backlog) length at each new connection, per backlog limit (bcc tcpsynbl)",
  needs: [["tracepoint"]],
  load: async () => (await import("./tcpsynbl.js")).command,
};
