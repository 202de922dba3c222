// The gethostlatency tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "gethostlatency",
  summary: "the latency of host name lookups: getaddrinfo, gethostbyname[2] in libc (bcc gethostlatency)",
  needs: [["uprobe", "ringbuf"]],
  load: async () => (await import("./gethostlatency.js")).command,
};
