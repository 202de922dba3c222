// The offwaketime tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "offwaketime",
  summary: "off-CPU time by blocked stack and waker stack together (bcc offwaketime)",
  needs: [["tp_btf_sched"], ["raw_tp"]],
  load: async () => (await import("./offwaketime.js")).command,
};
