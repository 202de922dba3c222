// The execsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "execsnoop",
  summary: "every exec() with its arguments, as it returns (bcc execsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./execsnoop.js")).command,
};
