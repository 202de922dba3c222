// The oomkill tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "oomkill",
  summary: "every OOM kill: the process that ran out of memory and the victim (bcc oomkill)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./oomkill.js")).command,
};
