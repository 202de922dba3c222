// The bindsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "bindsnoop",
  summary: "every bind() of an IPv4 or IPv6 socket, with its port, address and options (bcc bindsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./bindsnoop.js")).command,
};
