// The capable tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "capable",
  summary: "every security capability check, allowed or denied (bcc capable)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./capable.js")).command,
};
