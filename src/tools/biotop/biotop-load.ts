// Loads biotop.bpf.o with its config and attaches block_io_start, block_rq_issue and
// block_io_done on the pair this kernel supports (tp_btf, else raw_tp); each take is what
// its `counts` map added since the previous one. The only module of the tool that touches
// libbpf, imported when the command runs.
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { counterTaker, type TopSource } from "../top-tool.js";
import { type BiotopConfig, configBytes, type DiskIo, decodeRow, KEY, VALUE } from "./biotop-records.js";

/** Each take: the I/O per (process, disk, direction) since the previous one (or attach). */
export function loadBiotop(config: BiotopConfig): TopSource<DiskIo> {
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
    return {
      take: counterTaker(
        () => mapEntries(fd, KEY.size, VALUE.size),
        (k) => mapDelete(fd, k),
        decodeRow,
        ["io", "bytes", "ns"],
      ),
      lost: () => ({ start: arrayU64(lost, 0), counts: arrayU64(lost, 1) }),
      close: () => col.close(),
    };
  });
}
