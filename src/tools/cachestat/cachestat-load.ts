// Loads cachestat.bpf.o with its config and attaches its filemap and writeback hooks
// (mm_filemap_get_pages on the tp_btf/raw_tp pair the kernel supports: it reads the
// inode's size); the page counts are read from its `counts` array. The only module of
// the tool that touches libbpf, imported when the command runs.
import { arrayU64 } from "../../bpf/maps.js";
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { type CachestatConfig, configBytes, type PageCounts, SLOT } from "./cachestat-records.js";

export interface CachestatSource {
  /** The page counts since attach. */
  read(): PageCounts;
  close(): void;
}

export function loadCachestat(config: CachestatConfig): CachestatSource {
  const object = {
    name: "cachestat",
    programs: [
      ...pairPrograms(hookPair("cachestat", "tp_btf"), ["cachestat_get_pages"]),
      "cachestat_fault",
      "cachestat_add",
      "cachestat_delete",
      "cachestat_dirty",
    ],
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => {
    const counts = col.mapFd("counts");
    return {
      read: () => ({
        accessed: arrayU64(counts, SLOT.accessed),
        added: arrayU64(counts, SLOT.added),
        dirtied: arrayU64(counts, SLOT.dirtied),
        removed: arrayU64(counts, SLOT.removed),
      }),
      close: () => col.close(),
    };
  });
}
