// The exitsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "exitsnoop",
  summary: "every process exit with its age and exit code or signal (bcc exitsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./exitsnoop.js")).command,
};
