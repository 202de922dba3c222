// The ui tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "ui",
  summary: "interactive terminal view of captured or live thread activity: timeline, drill-down (xtop)",
  needs: [[]],
  note: "reads capture files; --live samples like top (proc source for any user)",
  load: async () => (await import("./ui.js")).command,
};
