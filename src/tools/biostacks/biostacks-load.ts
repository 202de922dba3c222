// Loads biostacks.bpf.o with its config and attaches block_io_start and block_io_done on
// the pair this kernel supports (tp_btf, else raw_tp); at the end, its histograms with
// each init stack symbolized (stack-tool.ts StackResolver). The only module of the tool
// that touches libbpf, imported when the command runs.
import { arrayU64, mapEntries } from "../../bpf/maps.js";
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import type { StackSide } from "../../report/stack-report.js";
import { StackResolver } from "../stack-tool.js";
import {
  type BiostacksConfig,
  configBytes,
  decodeHist,
  KEY,
  type StackHist,
  VALUE,
} from "./biostacks-records.js";

export interface BiostacksSource {
  /** Every histogram so far, with its kernel stack (leaf first). */
  read(): (StackHist & { stack: StackSide })[];
  lost(): { start: number; hists: number };
  close(): void;
}

export function loadBiostacks(config: BiostacksConfig): BiostacksSource {
  const kind = hookPair("biostacks", "tp_btf_block");
  const object = {
    name: "biostacks",
    // done first: a request noted after attach is always seen completing.
    programs: pairPrograms(kind, ["biostacks_done", "biostacks_start"]),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("hists");
    const lost = col.mapFd("lost");
    const stacks = new StackResolver(col.mapFd("stackmap"));
    return {
      read: () =>
        mapEntries(fd, KEY.size, VALUE.size).map(([k, v]) => {
          const h = decodeHist(k, v);
          return { ...h, stack: stacks.kernelSide(h.kstack, true) };
        }),
      lost: () => ({ start: arrayU64(lost, 0), hists: arrayU64(lost, 1) }),
      close: () => col.close(),
    };
  });
}
