// The check tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "check",
  summary:
    "USE-method health check in one pass (the 60-second analysis): verdicts, threads behind them, next steps",
  needs: [[]],
  note: "reads /proc, /sys and /dev/kmsg; threads through top's sampler (bpf, else proc)",
  load: async () => (await import("./check.js")).command,
};
