// The biopattern tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "biopattern",
  summary: "random vs sequential block I/O per disk, counted in the kernel (bcc biopattern)",
  needs: [["tp_btf_block"], ["raw_tp"]],
  load: async () => (await import("./biopattern.js")).command,
};
