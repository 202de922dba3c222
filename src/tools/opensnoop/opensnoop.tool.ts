// The opensnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "opensnoop",
  summary: "every open()/openat()/openat2() with its path and result, as it returns (bcc opensnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./opensnoop.js")).command,
};
