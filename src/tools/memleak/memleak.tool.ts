// The memleak tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "memleak",
  summary:
    "outstanding allocations by stack: libc's allocators (uprobes) of a process, or the kernel's (kmem tracepoints) (bcc memleak)",
  needs: [
    ["uprobe", "ringbuf"],
    ["tracepoint", "ringbuf"],
  ],
  parts: [
    { what: "a process (-p, -c): libc's allocators", needs: [["uprobe", "ringbuf"]] },
    { what: "the kernel (no -p): kmem, percpu tracepoints", needs: [["tracepoint", "ringbuf"]] },
  ],
  load: async () => (await import("./memleak.js")).command,
};
