// The tcptracer tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcptracer",
  summary: "TCP connects, accepts and closes, with their process and addresses (bcc tcptracer)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./tcptracer.js")).command,
};
