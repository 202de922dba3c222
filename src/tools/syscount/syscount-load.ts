// Loads syscount.bpf.o with its config, attaches the pair of hooks this kernel supports
// (tp_btf, else raw_tp; probed first, the other pair not loaded), and reads the counters.
// The only module of the tool that touches libbpf, imported when the command runs.

import { mapDelete, mapEntries } from "../../bpf/maps.js";
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { type Counter, configBytes, decodeCounter, type SyscountConfig, VALUE } from "./syscount-records.js";

export interface SyscountCounters {
  /** Every counter, cumulative since attach. */
  read(): Counter[];
  /** Deletes these keys from the kernel's map. */
  forget(keys: readonly number[]): void;
  /** Detaches and closes everything (the collection's one close; idempotent). */
  close(): void;
}

/** Which hook pair: "tp_btf" or "raw_tp", the first that probes ok. */
export const hookKind = (): "tp_btf" | "raw_tp" => hookPair("syscount", "tp_btf");

/** `kind` forces one hook pair (tests load the raw_tp pair on a kernel that has tp_btf). */
export function loadSyscount(config: SyscountConfig, kind = hookKind()): SyscountCounters {
  // sys_enter first: a call that exits after attach is timed only if its entry was seen.
  const hooks = [...(config.latency ? ["syscount_enter"] : []), "syscount_exit"];
  const col = loadToolObject({
    name: "syscount",
    programs: pairPrograms(kind, hooks),
    config: configBytes(config),
  });
  const fd = col.mapFd("data");
  const key = Buffer.alloc(4);
  return {
    read: () => mapEntries(fd, 4, VALUE.size).map(([k, v]) => decodeCounter(k, v)),
    forget(keys) {
      for (const k of keys) {
        key.writeUInt32LE(k);
        mapDelete(fd, key);
      }
    },
    close: () => col.close(),
  };
}
