// The kernel side of an event tool (snoop-tool.ts's SnoopSource) over its loaded object:
// the `events` ring buffer and the `lost` COUNTER_ARRAY (slot `ring`: records the ring
// could not take; slot `start`, when the tool has one: no room in its map of events in
// flight). Touches libbpf: the tools' -load.ts modules use it, imported when the command runs.
import type { Collection } from "../bpf/collection.js";
import { arrayU64 } from "../bpf/maps.js";
import type { SnoopSource } from "./snoop-tool.js";

/** The source owns `col` (closes it). */
export function ringSource(col: Collection, lost: { ring: number; start?: number }): SnoopSource {
  const ring = col.ringBuffer("events", { map: "lost", index: lost.ring });
  const fd = col.mapFd("lost");
  const start = lost.start;
  return {
    ring,
    lost() {
      const out: Record<string, number> = { ring: ring.lost() };
      if (start !== undefined) out.start = arrayU64(fd, start);
      return out;
    },
    close: () => col.close(),
  };
}
