// The bitesize tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "bitesize",
  summary: "block I/O sizes as histograms per process name, in the kernel (bcc bitesize)",
  needs: [["tp_btf_block"], ["raw_tp"]],
  load: async () => (await import("./bitesize.js")).command,
};
