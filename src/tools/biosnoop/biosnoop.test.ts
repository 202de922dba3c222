// tsnap biosnoop against a workload of O_DIRECT reads and writes of known sizes at known
// places (test/workloads/odirect-sizes.c, which says where each lies on the disk: FIEMAP):
// every one of its I/Os listed once, in order, with its PID, disk, operation, first
// sector and size; -Q adds the queue column, -d filters by disk. libbpf-tools' biosnoop
// needs a kprobe: side by side only where it loads.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import {
  assertBadInput,
  diskOf,
  libbpfToolSkip,
  ours,
  stopAll,
  type Tracer,
  theirs,
} from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/biosnoop.bpf.o`);
const FILE = "/var/tmp/tsnap-biosnoop-test.dat";
const DISK = root ? diskOf("/var/tmp") : undefined;
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/biosnoop.bpf.o not built (scripts/setup.sh)"
    : !DISK
      ? "/var/tmp is not on a block device"
      : false;
const N = 30;

/** The first sector of the partition holding /var/tmp (0 on a whole disk). */
function partitionStart(): number {
  const r = spawnSync("findmnt", ["-no", "SOURCE", "--target", "/var/tmp"], { encoding: "utf8" });
  const dev = r.stdout.trim().replace(/^\/dev\//, "");
  const start = `/sys/class/block/${dev}/start`;
  return existsSync(start) ? Number(readFileSync(start, "utf8")) : 0;
}

interface JsonIo {
  pid: number;
  comm: string;
  disk: string;
  rwbs: string;
  flags: string;
  sector: number;
  bytes: number;
  queue_ns?: number;
  latency_ns: number;
}

test("every O_DIRECT I/O of the workload once, with its PID, disk, operation, sector and size", {
  skip,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("odirect-sizes"), [FILE, String(N)]);
  try {
    const pid = w.ready[1];
    const other = [...readFileSync("/proc/partitions", "utf8").matchAll(/ (\S+)\n/g)]
      .map((m) => m[1])
      .find((d) => d !== DISK && d !== "name");
    const t: Record<string, Tracer> = {
      text: ours(["biosnoop"], "LAT(ms)\n"),
      queued: ours(["biosnoop", "-Q", "-d", DISK!], "LAT(ms)\n"),
      json: ours(["biosnoop", "--json"]),
      ...(other ? { otherDisk: ours(["biosnoop", "-d", other, "--json"]) } : {}),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const stdout = await signalAndWait(w);
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    const res = await stopAll(t);
    // The truth: the workload's I/Os, in order, at the sectors FIEMAP gave.
    const start = partitionStart();
    const truth = [...stdout.matchAll(/^io ([RW]) (\d+) (-?\d+)$/gm)].map((m) => ({
      op: m[1],
      bytes: Number(m[2]),
      sector: start + Number(m[3]) / 512,
    }));
    assert.equal(truth.length, 2 * N, stdout);
    assert.ok(
      truth.every((io) => io.sector >= start),
      "FIEMAP gave every I/O's place",
    );

    const ios = res.json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JsonIo)
      .filter((e) => e.pid === Number(pid));
    assert.deepEqual(
      ios.map((e) => ({ op: e.rwbs[0], bytes: e.bytes, sector: e.sector })),
      truth,
    );
    assert.ok(ios.every((e) => e.disk === DISK && e.comm.startsWith("odirect-sizes") && e.latency_ns > 0));
    assert.ok(
      ios.every((e) => /^R|^W/.test(e.rwbs) && e.flags.endsWith(e.rwbs[0] === "R" ? "Read" : "Write")),
    );

    // Text: libbpf-tools' columns; the same I/Os.
    assert.match(res.text.out, /^TIME\(s\) {5}COMM {11}PID {5}DISK {4}T {4}SECTOR {5}BYTES {3}LAT\(ms\)\n/);
    const rows = res.text.out
      .split("\n")
      .slice(1, -1)
      .map((l) => l.split(/ +/))
      .filter((f) => f[2] === pid);
    assert.deepEqual(
      rows.map((f) => [f[3], f[4][0], Number(f[6]), Number(f[5])]),
      truth.map((io) => [DISK, io.op, io.bytes, io.sector]),
    );
    assert.ok(rows.every((f) => /^\d+\.\d{6}$/.test(f[0]) && /^\d+\.\d{3}$/.test(f[7])));
    // -Q -d DISK: a QUE(ms) column (a number, or -1 when the request skipped the OS queue).
    const qrows = res.queued.out
      .split("\n")
      .slice(1, -1)
      .map((l) => l.split(/ +/))
      .filter((f) => f[2] === pid);
    assert.match(res.queued.out, /BYTES {3}QUE\(ms\) LAT\(ms\)\n/);
    assert.equal(qrows.length, 2 * N);
    assert.ok(qrows.every((f) => /^(-1|\d+\.\d{3})$/.test(f[7])));
    // -d another disk: none of the workload's I/Os.
    if (res.otherDisk) assert.equal(res.otherDisk.out.includes(`"pid":${pid},`), false);
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    rmSync(FILE, { force: true });
  }
});

test("side by side with libbpf-tools' biosnoop", {
  skip: skip || libbpfToolSkip("biosnoop", ["1"]),
  timeout: 60_000,
}, async () => {
  const w = await startWorkload(compileWorkload("odirect-sizes"), [FILE, String(N)]);
  try {
    const pid = w.ready[1];
    const [a, b] = [ours(["biosnoop"], "LAT(ms)\n"), theirs("biosnoop", [], "LAT(ms)\n")];
    await Promise.all([a.started, b.started]);
    await signalAndWait(w);
    await new Promise((r) => setTimeout(r, 300));
    const [x, y] = await Promise.all([a.stop(), b.stop()]);
    const mine = (out: string) =>
      out
        .split("\n")
        .map((l) => l.split(/ +/))
        .filter((f) => f[2] === pid)
        .map((f) => f.slice(1, 7).join(" "));
    assert.deepEqual(mine(x.out), mine(y.out));
  } finally {
    await w.stop();
    rmSync(FILE, { force: true });
  }
});

test("bad input: one error line and exit 2 (an unknown disk: 1); as a non-root user: one line and exit 1", async () => {
  await assertBadInput("biosnoop", [
    [["0"], 2, /^tsnap: duration must be a positive number of seconds, got '0'\n$/],
    [["1", "2"], 2, /^tsnap: unexpected argument '2'\n$/],
    [["-d", "nosuchdisk"], 1, /^tsnap: no disk 'nosuchdisk' in \/proc\/partitions\n$/],
    [["--bogus"], 2, /^tsnap: unknown option '--bogus'/],
  ]);
});
