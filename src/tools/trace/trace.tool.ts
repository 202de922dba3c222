// The trace tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "trace",
  summary:
    "one line per hit of user functions, USDT probes or tracepoints that passes a filter, with parameters, return values or fields (bcc trace)",
  needs: [
    ["uprobe", "ringbuf"],
    ["tracepoint", "ringbuf"],
  ],
  load: async () => (await import("./trace.js")).command,
};
