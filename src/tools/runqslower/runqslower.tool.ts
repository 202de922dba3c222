// The runqslower tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "runqslower",
  summary: "every run-queue (scheduler) wait longer than a threshold, as it ends (bcc runqslower)",
  needs: [["tp_btf_sched"], ["raw_tp"]],
  load: async () => (await import("./runqslower.js")).command,
};
