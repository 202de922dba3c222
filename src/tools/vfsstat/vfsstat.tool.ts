// The vfsstat tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "vfsstat",
  summary:
    "file reads, writes, fsyncs, opens, creates, unlinks, mkdirs, rmdirs per second, at the syscall layer (bcc vfsstat)",
  needs: [["tracepoint"]],
  load: async () => (await import("./vfsstat.js")).command,
};
