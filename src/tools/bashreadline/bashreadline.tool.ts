// The bashreadline tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "bashreadline",
  summary: "every command line typed into a bash shell (bcc bashreadline)",
  needs: [["uprobe", "ringbuf"]],
  load: async () => (await import("./bashreadline.js")).command,
};
