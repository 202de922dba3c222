// The profile tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "profile",
  summary: "on-CPU stacks sampled at a frequency, text or folded (bcc profile)",
  needs: [["perf_event"]],
  load: async () => (await import("./profile.js")).command,
};
