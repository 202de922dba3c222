// The softirqs tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "softirqs",
  summary:
    "time in soft interrupts, totals or histograms per kind (timer, net_rx, ...), in the kernel (bcc softirqs)",
  needs: [["tp_btf"], ["raw_tp"]],
  load: async () => (await import("./softirqs.js")).command,
};
