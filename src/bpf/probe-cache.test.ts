// The probes' boot cache: what it trusts (a root-only file with this boot's key) and what it
// ignores (every other file), on files these tests make; and that a second process answers
// from it without loading a probe program (strace's count of BPF_PROG_LOAD is the truth).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bpfObjectPath } from "./paths.js";
import {
  type ProbeCacheKey,
  parseProbeCache,
  probeCacheKey,
  readProbeCache,
  writeProbeCache,
} from "./probe-cache.js";

const root = process.getuid?.() === 0;
const KNOWN = new Set(["task_iter", "perf_event", "ringbuf"]);
const KEY: ProbeCacheKey = { boot_id: "b", kernel: "6.18", tsnap: "0.1.0", object: "ab" };
const doc = (o: object) => JSON.stringify({ v: 1, key: KEY, works: ["task_iter"], ...o });

test("parseProbeCache: only this key's file, with known features, is believed", () => {
  assert.deepEqual(parseProbeCache(doc({}), KEY, KNOWN), new Set(["task_iter"]));
  assert.equal(parseProbeCache(doc({ key: { ...KEY, boot_id: "other boot" } }), KEY, KNOWN), null);
  assert.equal(parseProbeCache(doc({ key: { ...KEY, kernel: "6.19" } }), KEY, KNOWN), null);
  assert.equal(parseProbeCache(doc({ key: { ...KEY, extra: 1 } }), KEY, KNOWN), null);
  assert.equal(parseProbeCache(doc({ v: 2 }), KEY, KNOWN), null);
  assert.equal(parseProbeCache(doc({ works: ["kprobe"] }), KEY, KNOWN), null, "a feature not in the list");
  assert.equal(parseProbeCache(doc({ works: [{ toString: 1 }] }), KEY, KNOWN), null);
  assert.equal(parseProbeCache(doc({ works: "task_iter" }), KEY, KNOWN), null);
  assert.equal(parseProbeCache("{not json", KEY, KNOWN), null);
  assert.equal(parseProbeCache("null", KEY, KNOWN), null);
  assert.equal(parseProbeCache('{"__proto__": {"v": 1}}', KEY, KNOWN), null);
});

test("probeCacheKey: this boot's boot_id and this kernel's release", () => {
  const k = probeCacheKey(bpfObjectPath("probes"));
  if (k === null) return; // no probe object built: nothing to key (the loaders say so themselves)
  assert.equal(k.boot_id, readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
  assert.equal(k.kernel, spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim());
  assert.match(k.object, /^[0-9a-f]{64}$/);
});

test("readProbeCache trusts a root-only file in a root-only directory, nothing else", {
  skip: root ? false : "needs root (the cache is root's; its files must be owned by root)",
}, () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-probe-cache-"));
  try {
    const dir = join(base, "cache");
    writeProbeCache(dir, KEY, ["task_iter", "perf_event"]);
    const file = join(dir, "probes.json");
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readProbeCache(dir, KEY, KNOWN), new Set(["task_iter", "perf_event"]));
    assert.equal(readProbeCache(dir, { ...KEY, boot_id: "next boot" }, KNOWN), null);

    chmodSync(file, 0o644); // readable by others: written by whom?
    assert.equal(readProbeCache(dir, KEY, KNOWN), null, "mode 0644");
    chmodSync(file, 0o600);
    chownSync(file, 65534, 65534);
    assert.equal(readProbeCache(dir, KEY, KNOWN), null, "owned by nobody");
    chownSync(file, 0, 0);
    chmodSync(dir, 0o777);
    assert.equal(readProbeCache(dir, KEY, KNOWN), null, "directory writable by all");
    writeProbeCache(dir, KEY, ["ringbuf"]);
    assert.equal(readProbeCache(dir, KEY, KNOWN), null, "nor written into");
    chmodSync(dir, 0o700);

    // A link in the file's place, to a file that would pass.
    const elsewhere = join(base, "elsewhere.json");
    writeFileSync(elsewhere, doc({}), { mode: 0o600 });
    rmSync(file);
    symlinkSync(elsewhere, file);
    assert.equal(readProbeCache(dir, KEY, KNOWN), null, "a symbolic link");
    // A link as the directory.
    const linkDir = join(base, "link-dir");
    symlinkSync(dir, linkDir);
    assert.equal(readProbeCache(linkDir, KEY, KNOWN), null, "a linked directory");
    rmSync(file);

    writeFileSync(file, `${doc({})}${" ".repeat(70_000)}`, { mode: 0o600 });
    assert.equal(readProbeCache(dir, KEY, KNOWN), null, "too big");
    writeFileSync(file, "garbage", { mode: 0o600 });
    assert.equal(readProbeCache(dir, KEY, KNOWN), null, "garbage");
    mkdirSync(join(base, "empty"), { mode: 0o700 });
    assert.equal(readProbeCache(join(base, "empty"), KEY, KNOWN), null, "no file");
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a second process answers the probes from the boot cache without loading a probe program; a failure is probed again", {
  skip: root ? false : "needs root (BPF probes)",
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-probe-cache-"));
  const probes = fileURLToPath(new URL("./probes.js", import.meta.url));
  /** Probes `features` in a new process under strace: its answers and how many probe programs it loaded. */
  const run = (features: string[]) => {
    const script = `import { probeAll } from ${JSON.stringify(probes)};
console.log(JSON.stringify(probeAll(${JSON.stringify(features)}).map((x) => [x.feature, x.ok])));`;
    const trace = join(dir, "trace");
    const r = spawnSync(
      "strace",
      ["-f", "-e", "trace=bpf", "-o", trace, process.execPath, "--input-type=module", "-e", script],
      { encoding: "utf8", env: { ...process.env, TSNAP_PROBE_CACHE: join(dir, "c") } },
    );
    assert.equal(r.status, 0, r.stderr);
    const opens = readFileSync(trace, "utf8")
      .split("\n")
      .filter((l) => l.includes("BPF_PROG_LOAD") && l.includes('prog_name="probe_')).length;
    return { answers: JSON.parse(r.stdout) as [string, boolean][], opens };
  };
  const cached = () =>
    (JSON.parse(readFileSync(join(dir, "c", "probes.json"), "utf8")) as { works: string[] }).works;
  try {
    if (spawnSync("strace", ["-V"]).error) return; // the truth below is strace's
    const first = run(["task_iter", "ringbuf"]);
    assert.deepEqual(first.answers, [
      ["task_iter", true],
      ["ringbuf", true],
    ]);
    assert.ok(first.opens >= 1, "the first process loaded probe programs");
    assert.deepEqual(cached(), ["ringbuf", "task_iter"]);
    const second = run(["task_iter", "ringbuf"]);
    assert.deepEqual(second.answers, first.answers);
    assert.equal(second.opens, 0, "answered from the cache");
    // kprobes: off in this kernel (CONFIG_KPROBES); a failure is never kept.
    const k1 = run(["kprobe"]);
    if (k1.answers[0][1]) return; // kprobes work here: no failure to check
    const k2 = run(["kprobe"]);
    assert.ok(k1.opens >= 1 && k2.opens >= 1, "probed each time");
    assert.deepEqual(cached(), ["ringbuf", "task_iter"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
