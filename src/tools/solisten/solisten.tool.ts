// The solisten tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "solisten",
  summary: "every listen() on an IPv4 or IPv6 socket, with its backlog, address and port (bcc solisten)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./solisten.js")).command,
};
