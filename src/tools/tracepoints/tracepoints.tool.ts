// The tracepoints tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "tracepoints",
  summary: "list tracepoints and their arguments",
  needs: [[]],
  note: "reads tracefs (root)",
  load: async () => (await import("./tracepoints.js")).command,
};
