// The cachestat tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "cachestat",
  summary: "page cache hits, misses and dirtied pages per interval, from filemap tracepoints (bcc cachestat)",
  needs: [
    ["tracepoint", "tp_btf"],
    ["tracepoint", "raw_tp"],
  ],
  load: async () => (await import("./cachestat.js")).command,
};
