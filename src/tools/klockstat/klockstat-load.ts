// Loads klockstat.bpf.o with its config and attaches lock:contention_end, then
// contention_begin (a wait whose begin is seen is then seen ending); the rows are read
// from its `stats` map, the caller stacks from its stack map. The only module of the
// tool that touches libbpf, imported when the command runs.
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { readStack } from "../stack-tool.js";
import {
  configBytes,
  decodeStat,
  KEY,
  type KlockstatConfig,
  type LockStat,
  STAT,
} from "./klockstat-records.js";

export interface KlockstatSource {
  /** Every row with its map key, cumulative since attach (or the last forget). */
  read(): { key: Buffer; stat: LockStat }[];
  /** A caller stack's addresses, leaf first ([] when unknown). */
  stack(id: number): bigint[];
  forget(keys: readonly Buffer[]): void;
  lost(): Record<"start" | "stat" | "stack", number>;
  close(): void;
}

export function loadKlockstat(config: KlockstatConfig): KlockstatSource {
  const object = {
    name: "klockstat",
    programs: ["klockstat_end", "klockstat_begin"],
    config: configBytes(config),
    // The by-lock and by-thread views take no stacks: the stack map is not needed.
    maxEntries: config.by === "caller" ? undefined : { stackmap: 1 },
  };
  return loadToolObject(object, (col) => {
    const stats = col.mapFd("stats");
    const stacks = col.mapFd("stackmap");
    const lost = col.mapFd("lost");
    return {
      read: () =>
        mapEntries(stats, KEY.size, STAT.size).map(([key, value]) => ({
          key: Buffer.from(key),
          stat: decodeStat(key, value),
        })),
      stack: (id) => readStack(stacks, id),
      forget(keys) {
        for (const k of keys) mapDelete(stats, k);
      },
      lost: () => ({ start: arrayU64(lost, 0), stat: arrayU64(lost, 1), stack: arrayU64(lost, 2) }),
      close: () => col.close(),
    };
  });
}
