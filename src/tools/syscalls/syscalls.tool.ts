// The syscalls tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "syscalls",
  summary: "list syscalls and their arguments",
  needs: [[]],
  note: "reads tracefs (root)",
  load: async () => (await import("./syscalls.js")).command,
};
