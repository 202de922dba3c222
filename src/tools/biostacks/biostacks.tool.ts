// The biostacks tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "biostacks",
  summary:
    "block I/O latency histograms per kernel stack at I/O init, from block tracepoints (bcc biostacks)",
  needs: [["tp_btf", "tp_btf_block"], ["raw_tp"]],
  load: async () => (await import("./biostacks.js")).command,
};
