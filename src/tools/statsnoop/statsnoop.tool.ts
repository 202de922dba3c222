// The statsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "statsnoop",
  summary: "every stat(), lstat(), fstatat(), statx() and statfs() of a path (bcc statsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./statsnoop.js")).command,
};
