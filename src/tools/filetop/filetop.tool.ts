// The filetop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "filetop",
  summary:
    "file reads and writes per thread and file every interval, like top, from syscall tracepoints (bcc filetop)",
  needs: [["tracepoint"]],
  load: async () => (await import("./filetop.js")).command,
};
