// The tcpconnlat tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcpconnlat",
  summary: "the latency of every TCP connect, SYN sent to handshake done (bcc tcpconnlat)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./tcpconnlat.js")).command,
};
