// The javagc tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "javagc",
  summary: "the length of each garbage collection of a Java VM, from HotSpot's USDT probes (bcc javagc)",
  needs: [["uprobe", "ringbuf"]],
  load: async () => (await import("./javagc.js")).command,
};
