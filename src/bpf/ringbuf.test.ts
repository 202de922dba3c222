// The ring buffer reader against a real ring: a tp_btf program (kernel/ringbuf-test.bpf.c)
// writes a numbered 1 KiB record into a one-page ring at each getppid(2) of this process.
// The kernel's ring arithmetic is the truth: a page holds three such records (1024 bytes
// + an 8-byte header each), so of ten calls three arrive and seven are counted lost.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { test } from "node:test";
import { syscallNumber } from "../platform/syscall-table.js";
import { Collection } from "./collection.js";
import { libbpf } from "./libbpf.js";
import { bpfObjectPath } from "./paths.js";

const path = bpfObjectPath("ringbuf-test");
const skip =
  process.getuid?.() !== 0
    ? "needs root (loads a BPF program)"
    : !existsSync(path)
      ? "build/bpf/ringbuf-test.bpf.o not built"
      : false;

const GETPPID = syscallNumber("getppid") ?? -1;
/** getppid(2) straight through libc's syscall(): one event, whatever node caches. */
const getppid = () => libbpf().syscall(GETPPID);

function open(): Collection {
  const coll = Collection.open(path);
  try {
    const cfg = Buffer.alloc(8);
    cfg.writeUInt32LE(process.pid, 0);
    cfg.writeInt32LE(GETPPID, 4);
    coll.setReadOnlyConfig(cfg);
    coll.load();
    coll.attach("rb_on_getppid");
    return coll;
  } catch (err) {
    coll.close();
    throw err;
  }
}

/** This process's fds that are BPF objects or anonymous inodes (maps, links, epoll, eventfd). */
function anonFds(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("anon_inode:")) n++;
    } catch {
      // the fd of readdir itself
    }
  }
  return n;
}

test("ring buffer: wait() sleeps to its deadline on an empty ring and wakes on a record", {
  skip,
}, async () => {
  const fds0 = anonFds();
  const coll = open();
  try {
    const ring = coll.ringBuffer("rb", { map: "rb_lost", index: 0 });
    let t0 = performance.now();
    assert.equal(await ring.wait(100), false, "nothing written yet");
    const waited = performance.now() - t0;
    assert.ok(waited >= 95 && waited < 1000, `waited ${waited.toFixed(0)} ms for a 100 ms deadline`);
    assert.equal(ring.waitSync(30), false);

    t0 = performance.now();
    const woke = ring.wait(5000);
    setTimeout(getppid, 50);
    assert.equal(await woke, true);
    const latency = performance.now() - t0;
    assert.ok(latency < 2000, `woke after ${latency.toFixed(0)} ms, long before the 5 s deadline`);

    // Nine more calls: two fit beside the first record, seven do not.
    for (let i = 0; i < 9; i++) getppid();
    const seqs: number[] = [];
    ring.drain((buf, off, len) => {
      assert.equal(len, 1024);
      seqs.push(Number(buf.readBigUInt64LE(off)));
    });
    assert.deepEqual(seqs, [1, 2, 3]);
    assert.equal(ring.lost(), 7, "records the kernel could not reserve");
    assert.equal(ring.waitSync(0), false, "drained");
  } finally {
    coll.close();
  }
  assert.equal(anonFds(), fds0, "maps, link, epoll and eventfd all closed by the collection");
});

test("ring buffer: close() ends a wait in progress at once", { skip }, async () => {
  const coll = open();
  const ring = coll.ringBuffer("rb");
  const t0 = performance.now();
  const w = ring.wait(10_000);
  setTimeout(() => coll.close(), 50);
  assert.equal(await w, false);
  assert.ok(performance.now() - t0 < 3000, "not held to the 10 s deadline");
  assert.equal(ring.lost(), 0, "no counter named: 0");
});
