// The slabratetop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "slabratetop",
  summary:
    "kernel slab allocations per cache every interval, like top, from kmem:kmem_cache_alloc (bcc slabratetop)",
  needs: [["tracepoint"]],
  load: async () => (await import("./slabratetop.js")).command,
};
