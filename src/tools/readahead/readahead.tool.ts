// The readahead tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "readahead",
  summary:
    "pages read ahead and never read, and how long the others waited to be read, from readahead and filemap tracepoints (bcc readahead)",
  needs: [["tracepoint"]],
  load: async () => (await import("./readahead.js")).command,
};
