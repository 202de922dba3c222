// The klockstat tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "klockstat",
  summary:
    "waits for contended kernel locks per caller, lock or thread, counted in the kernel (bcc klockstat)",
  needs: [["tracepoint"]],
  load: async () => (await import("./klockstat.js")).command,
};
