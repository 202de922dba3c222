// The cpufreq tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "cpufreq",
  summary: "CPU frequency at each CPU sample, per process name and system-wide (bcc cpufreq)",
  needs: [["perf_event", "tracepoint"]],
  load: async () => (await import("./cpufreq.js")).command,
};
