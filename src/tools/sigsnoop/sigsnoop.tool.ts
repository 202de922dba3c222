// The sigsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "sigsnoop",
  summary: "every signal as it is generated, with sender, target and result (bcc sigsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./sigsnoop.js")).command,
};
