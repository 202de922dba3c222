// The fsslower tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "fsslower",
  summary:
    "file reads/writes/opens/fsyncs slower than a threshold, by filesystem type, at the syscall layer (bcc fsslower, ext4slower)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./fsslower.js")).command,
};
