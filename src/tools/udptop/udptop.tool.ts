// The udptop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "udptop",
  summary: "UDP bytes per process and socket, every interval (tcptop for UDP)",
  needs: [["tracepoint"]],
  load: async () => (await import("./udptop.js")).command,
};
