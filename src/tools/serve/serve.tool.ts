// The serve tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "serve",
  summary: "web view on a local HTTP server: ASH timeline, drill-down, latency histograms, flame graph",
  needs: [[]],
  note: "reads capture files; --live samples like top (proc source for any user)",
  load: async () => (await import("./serve.js")).command,
};
