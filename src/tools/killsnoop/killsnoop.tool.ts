// The killsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "killsnoop",
  summary: "every kill(2), tkill(2) and tgkill(2) call with its signal and result (bcc killsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./killsnoop.js")).command,
};
