// The wakeuptime tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "wakeuptime",
  summary: "blocked time by the waker's stack, from sched_switch + sched_waking (bcc wakeuptime)",
  needs: [["tp_btf_sched"], ["raw_tp"]],
  load: async () => (await import("./wakeuptime.js")).command,
};
