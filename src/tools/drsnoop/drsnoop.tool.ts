// The drsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "drsnoop",
  summary:
    "every direct memory reclaim (system-wide and memory cgroups'), with latency and pages (bcc drsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./drsnoop.js")).command,
};
