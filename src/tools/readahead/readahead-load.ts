// Loads readahead.bpf.o with its config and attaches its readahead and filemap
// tracepoints (the windows first, so a page added is judged against them); the counts are
// read from its `counts` and `hist` arrays. The only module of the tool that touches
// libbpf, imported when the command runs.
import { arrayU64 } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import {
  configBytes,
  HIST_SLOTS,
  type ReadaheadConfig,
  type ReadaheadCounts,
  SLOT,
} from "./readahead-records.js";

export interface ReadaheadSource {
  read(): ReadaheadCounts;
  close(): void;
}

export const PROGRAMS = [
  "readahead_delete",
  "readahead_fault",
  "readahead_get_pages",
  "readahead_map_pages",
  "readahead_add",
  "readahead_ra_order",
  "readahead_ra_unbounded",
] as const;

export function loadReadahead(config: ReadaheadConfig): ReadaheadSource {
  const object = { name: "readahead", programs: PROGRAMS, config: configBytes(config) };
  return loadToolObject(object, (col) => {
    const counts = col.mapFd("counts");
    const hist = col.mapFd("hist");
    return {
      read: () => ({
        total: arrayU64(counts, SLOT.total),
        used: arrayU64(counts, SLOT.used),
        atOnce: arrayU64(counts, SLOT.atOnce),
        evicted: arrayU64(counts, SLOT.evicted),
        lost: arrayU64(counts, SLOT.lost),
        msecs: Array.from({ length: HIST_SLOTS }, (_, i) => arrayU64(hist, i)),
      }),
      close: () => col.close(),
    };
  });
}
