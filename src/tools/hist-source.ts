// The kernel side of a histogram tool (hist-tool.ts's HistSource) over its loaded object:
// the `hists` hash (a key → struct log_hist) and the `lost` COUNTER_ARRAY (slot 0: no room
// in the map of events in flight, slot 1: no room in `hists`). Touches libbpf: the tools'
// -load.ts modules use it, imported when the command runs.
import type { Collection } from "../bpf/collection.js";
import { arrayU64, mapDelete, mapEntries } from "../bpf/maps.js";
import { type HistEntry, type HistSource, LOG_HIST } from "./hist-tool.js";

/** `entry`: what a key and its histogram mean to the tool. The source owns `col` (closes it). */
export function histMapSource(
  col: Collection,
  keySize: number,
  entry: (key: Buffer, value: Buffer) => HistEntry,
): HistSource {
  const hists = col.mapFd("hists");
  const lost = col.mapFd("lost");
  return {
    read: () => mapEntries(hists, keySize, LOG_HIST.size).map(([key, value]) => entry(key, value)),
    forget(keys) {
      for (const k of keys) mapDelete(hists, k);
    },
    lost: () => ({ start: arrayU64(lost, 0), hist: arrayU64(lost, 1) }),
    close: () => col.close(),
  };
}
