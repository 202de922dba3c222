// The filelife tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "filelife",
  summary: "files created and deleted while tracing, with their age (bcc filelife)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./filelife.js")).command,
};
