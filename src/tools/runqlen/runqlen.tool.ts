// The runqlen tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "runqlen",
  summary: "run-queue length per CPU, sampled, as a linear histogram or occupancy (bcc runqlen)",
  needs: [["perf_event"]],
  load: async () => (await import("./runqlen.js")).command,
};
