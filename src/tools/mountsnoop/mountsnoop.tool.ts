// The mountsnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "mountsnoop",
  summary: "every mount(2) and umount2(2) call with its arguments and result (bcc mountsnoop)",
  needs: [["tracepoint", "ringbuf"]],
  load: async () => (await import("./mountsnoop.js")).command,
};
