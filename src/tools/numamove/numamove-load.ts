// Loads numamove.bpf.o and attaches migrate:mm_migrate_pages, then mm_migrate_pages_start
// (a migration whose start is seen is then seen ending); the counts are read from its
// `counts` array. The only module of the tool that touches libbpf, imported when the
// command runs.
import { arrayU64 } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";

/** Cumulative since attach. */
export interface MigrationCounts {
  count: number;
  ns: number;
  pages: number;
}

export interface NumamoveSource {
  read(): MigrationCounts;
  close(): void;
}

export function loadNumamove(): NumamoveSource {
  const object = { name: "numamove", programs: ["numamove_end", "numamove_start"], config: Buffer.alloc(0) };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("counts");
    return {
      read: () => ({ count: arrayU64(fd, 0), ns: arrayU64(fd, 1), pages: arrayU64(fd, 2) }),
      close: () => col.close(),
    };
  });
}
