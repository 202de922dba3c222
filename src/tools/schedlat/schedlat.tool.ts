// The schedlat tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "schedlat",
  summary: "per-second %CPU, %run-queue latency, %sleep of a process",
  needs: [[]],
  note: "reads /proc/PID/task/*/schedstat",
  load: async () => (await import("./schedlat.js")).command,
};
