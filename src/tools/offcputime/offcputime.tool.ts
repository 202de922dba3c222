// The offcputime tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "offcputime",
  summary: "off-CPU time by stack from sched_switch, text or folded (bcc offcputime)",
  needs: [["tp_btf_sched"], ["raw_tp"]],
  load: async () => (await import("./offcputime.js")).command,
};
