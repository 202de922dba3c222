// The biotop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "biotop",
  summary: "block I/O per process and disk every interval, like top, from block tracepoints (bcc biotop)",
  needs: [["tp_btf", "tp_btf_block"], ["raw_tp"]],
  load: async () => (await import("./biotop.js")).command,
};
