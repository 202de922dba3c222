// The flame tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "flame",
  summary: "flame graphs (SVG) of folded stacks, differential, and of thread states in history",
  needs: [[]],
  note: "reads folded stacks or capture files",
  load: async () => (await import("./flame.js")).command,
};
