// The fsdist tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "fsdist",
  summary:
    "read/write/open/fsync latency as histograms, by the file's filesystem type, at the syscall layer (bcc fsdist, ext4dist)",
  needs: [["tracepoint"]],
  load: async () => (await import("./fsdist.js")).command,
};
