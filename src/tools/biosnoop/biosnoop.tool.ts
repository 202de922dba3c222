// The biosnoop tool's descriptor: what the registry, `tsnap --help`, doctor and the README read.
import type { ToolDescriptor } from "../../command/command.js";

export const tool: ToolDescriptor = {
  name: "biosnoop",
  summary: "every block I/O with its issuer, disk, sector, size and latency (bcc biosnoop)",
  needs: [
    ["tp_btf", "tp_btf_block", "ringbuf"],
    ["raw_tp", "ringbuf"],
  ],
  load: async () => (await import("./biosnoop.js")).command,
};
