// The tcpconnect tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcpconnect",
  summary: "every TCP connect() that sent a SYN, or counts per address and port (bcc tcpconnect)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./tcpconnect.js")).command,
};
