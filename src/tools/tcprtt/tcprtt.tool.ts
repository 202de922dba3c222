// The tcprtt tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tcprtt",
  summary: "TCP round-trip times (srtt) as histograms, for all or per address (bcc tcprtt)",
  needs: [["tracepoint"]],
  load: async () => (await import("./tcprtt.js")).command,
};
