// The syscount tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "syscount",
  summary: "syscalls counted in the kernel, per syscall or per process, with latency (bcc syscount)",
  needs: [["tp_btf"], ["raw_tp"]],
  load: async () => (await import("./syscount.js")).command,
};
