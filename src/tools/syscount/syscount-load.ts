// Loads syscount.bpf.o with its config, attaches the pair of hooks this kernel supports
// (tp_btf, else raw_tp; probed first, the other pair not loaded), and reads the counters.
// The only module of the tool that touches libbpf, imported when the command runs.
import { mapDelete, mapEntries } from "../../bpf/maps.js";
import { BpfObject, type Link } from "../../bpf/object.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { probe } from "../../bpf/probes.js";
import { NotSupported } from "../../errors.js";
import { type Counter, configBytes, decodeCounter, type SyscountConfig, VALUE } from "./syscount-records.js";

export interface SyscountCounters {
  /** Every counter, cumulative since attach. */
  read(): Counter[];
  /** Deletes these keys from the kernel's map. */
  forget(keys: readonly number[]): void;
  /** Detaches and closes everything (idempotent). */
  close(): void;
}

/** Which hook pair: "tp_btf" or "raw_tp", the first that probes ok. */
export function hookKind(): "tp_btf" | "raw_tp" {
  if (probe("tp_btf").ok) return "tp_btf";
  const raw = probe("raw_tp");
  if (raw.ok) return "raw_tp";
  throw new NotSupported("syscount", `neither tp_btf nor raw_tp programs load here: ${raw.reason}`);
}

export function loadSyscount(config: SyscountConfig): SyscountCounters {
  const kind = hookKind();
  const programs = [`syscount_${kind}_exit`, ...(config.latency ? [`syscount_${kind}_enter`] : [])];
  const obj = BpfObject.open(bpfObjectPath("syscount"));
  const links: Link[] = [];
  try {
    obj.onlyPrograms(programs);
    obj.setReadOnlyConfig(configBytes(config));
    obj.load();
    // sys_enter first: a call that exits after attach is timed only if its entry was seen.
    for (const p of [...programs].reverse()) links.push(obj.attach(p));
  } catch (err) {
    for (const l of links) l.close();
    obj.close();
    throw err;
  }
  const fd = obj.mapFd("data");
  const key = Buffer.alloc(4);
  return {
    read: () => mapEntries(fd, 4, VALUE.size).map(([k, v]) => decodeCounter(k, v)),
    forget(keys) {
      for (const k of keys) {
        key.writeUInt32LE(k);
        mapDelete(fd, key);
      }
    },
    close() {
      for (const l of links.splice(0)) l.close();
      obj.close();
    },
  };
}
