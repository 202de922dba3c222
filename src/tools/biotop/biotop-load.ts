// Loads biotop.bpf.o with its config and attaches block_io_start, block_rq_issue and
// block_io_done on the pair this kernel supports (tp_btf, else raw_tp); each take is what
// its `counts` map added since the previous one. The only module of the tool that touches
// libbpf, imported when the command runs.
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { type BiotopConfig, configBytes, type DiskIo, KEY, rowDeltas, VALUE } from "./biotop-records.js";

export interface BiotopSource {
  /** The I/O per (process, disk, direction) since the previous take (or attach). */
  take(): DiskIo[];
  lost(): { start: number; counts: number };
  close(): void;
}

export function loadBiotop(config: BiotopConfig): BiotopSource {
  const kind = hookPair("biotop", "tp_btf_block");
  // done first: a request noted after attach is always seen completing.
  const object = {
    name: "biotop",
    programs: pairPrograms(kind, ["biotop_done", "biotop_issue", "biotop_start"]),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("counts");
    const lost = col.mapFd("lost");
    // Counts stay in the map (no I/O is lost between a read and a clear); each take is
    // the difference to the previous read, and a row idle for a whole interval goes.
    let prev = new Map<string, DiskIo>();
    return {
      take() {
        const d = rowDeltas(prev, mapEntries(fd, KEY.size, VALUE.size));
        for (const k of d.idle) mapDelete(fd, k);
        prev = d.next;
        return d.rows;
      },
      lost: () => ({ start: arrayU64(lost, 0), counts: arrayU64(lost, 1) }),
      close: () => col.close(),
    };
  });
}
