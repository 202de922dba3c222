import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { configBytes } from "../sources/bpf/load.js";
import { liveCount } from "./handles.js";
import { setPrint } from "./libbpf.js";
import { mapDelete, mapEntries, mapLookup, mapUpdate } from "./maps.js";
import { BpfObject } from "./object.js";
import { bpfObjectPath } from "./paths.js";

const skip =
  process.getuid?.() !== 0
    ? "needs root to load BPF objects"
    : !existsSync(bpfObjectPath("sampler"))
      ? "build/bpf not built (scripts/build-bpf.sh)"
      : false;

test("hash map: update, lookup, delete, and batch reads across several batches", { skip }, () => {
  setPrint(null);
  const live0 = liveCount();
  const obj = BpfObject.open(bpfObjectPath("sampler"));
  try {
    obj.onlyPrograms(["dump_tasks"]);
    obj.setReadOnlyConfig(
      configBytes({
        selfTgid: 0,
        countTgid: 0,
        clockRingBytes: null,
        all: false,
        pids: null,
        kstack: false,
        ustack: false,
        filename: false,
        args: false,
        flavour: "none",
      }),
    );
    obj.load();
    const fd = obj.mapFd("pid_filter"); // u32 → u8
    const key = Buffer.alloc(4);
    for (let pid = 1000; pid < 1300; pid++) {
      key.writeUInt32LE(pid);
      mapUpdate(fd, key, Buffer.from([pid & 0xff]));
    }
    const v = Buffer.alloc(1);
    key.writeUInt32LE(1042);
    assert.equal(mapLookup(fd, key, v), true);
    assert.equal(v[0], 1042 & 0xff);
    assert.equal(mapDelete(fd, key), true);
    assert.equal(mapDelete(fd, key), false);
    assert.equal(mapLookup(fd, key, v), false);
    const all = mapEntries(fd, 4, 1, 64); // 299 entries in 64-entry batches
    assert.equal(all.length, 299);
    const seen = new Set<number>();
    for (const [k, val] of all) {
      assert.equal(val[0], k.readUInt32LE() & 0xff);
      seen.add(k.readUInt32LE());
    }
    assert.equal(seen.size, 299);
    assert.ok(!seen.has(1042) && seen.has(1000) && seen.has(1299));
  } finally {
    obj.close();
  }
  assert.equal(liveCount(), live0);
});
