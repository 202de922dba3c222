// tsnap opensnoop against a workload that makes a known set of opens (test/workloads/
// open-storm.c: creates with open(), reads with openat(), misses with ENOENT, appends with
// open(), one openat2) and side by side with libbpf-tools' opensnoop tracing the same run:
// the same lines, character for character. Several tracers run at once on one run.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { loadOpensnoop } from "./opensnoop-load.js";
import { decodeEvent, LOST_WORDS } from "./opensnoop-records.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/opensnoop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/opensnoop.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("opensnoop") ? false : "libbpf-tools opensnoop not installed (setup.sh --tests)");
const N = 300;
const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;

interface JsonOpen {
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  syscall: string;
  fd: number;
  err: number;
  flags: number;
  mode: number;
  path: string;
}

const parse = (out: string): JsonOpen[] =>
  out
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JsonOpen);

test("one run, eight tracers: every open of the workload, the same lines as libbpf-tools' opensnoop", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const dir = mkdtempSync(join(tmpdir(), "tsnap-opensnoop-"));
  const tag = `t${process.pid}`;
  const w = await startWorkload(compileWorkload("open-storm"), [String(N), dir, tag]);
  try {
    const pid = w.ready[1];
    const t = {
      text: ours(["opensnoop", "-p", pid, "-U", "-e"], "PATH\n"),
      ref: theirs("opensnoop", ["-p", pid, "-U", "-e"], "PATH\n"),
      json: ours(["opensnoop", "-p", pid, "--json"]),
      failed: ours(["opensnoop", "-t", pid, "-x", "--json"]),
      append: ours(["opensnoop", "-f", "O_APPEND", "--json"]),
      name: ours(["opensnoop", "-n", "open-storm", "--json"]),
      nobody: ours(["opensnoop", "-u", "65534", "-p", pid], "PATH\n"),
      time: ours(["opensnoop", "-T", "-p", pid, "-x"], "PATH\n"),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const stdout = await signalAndWait(w);
    assert.match(stdout, new RegExp(`done ${2 * N + 2} ${N}\\n`));
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    const res = await stopAll(t);
    const file = `${dir}/${tag}.file`;

    // JSON: exactly the workload's opens, with their syscalls, flags, modes and results.
    const opens = parse(res.json.out);
    assert.equal(opens.length, 3 * N + 2, "every open of the workload, nothing else");
    assert.ok(opens.every((e) => e.pid === Number(pid) && e.tid === Number(pid) && e.uid === 0));
    assert.deepEqual(
      { ...opens[0], comm: "" },
      {
        ...opens[0],
        comm: "",
        syscall: "open",
        path: file,
        flags: O_WRONLY | O_CREAT | O_TRUNC,
        mode: 0o640,
        err: 0,
      },
    );
    assert.ok(opens[0].fd >= 3);
    const reads = opens.slice(1, N + 1);
    assert.ok(
      reads.every(
        (e) => e.syscall === "openat" && e.path === file && e.flags === 0 && e.fd >= 3 && e.err === 0,
      ),
    );
    const misses = opens.slice(N + 1, 2 * N + 1);
    assert.deepEqual(
      misses.map((e) => [e.syscall, e.path, e.fd, e.err]),
      Array.from({ length: N }, (_, i) => ["openat", `${dir}/${tag}.missing.${i}`, -1, 2]),
    );
    const appends = opens.slice(2 * N + 1, 3 * N + 1);
    assert.ok(
      appends.every((e) => e.syscall === "open" && e.path === file && e.flags === (O_WRONLY | O_APPEND)),
    );
    assert.deepEqual(
      [opens.at(-1)!.syscall, opens.at(-1)!.flags, opens.at(-1)!.path],
      ["openat2", O_CLOEXEC, file],
    );
    assert.ok(opens.every((e) => e.comm.startsWith("open-storm")));

    // Text: libbpf-tools' lines, character for character (v0.26 does not trace openat2).
    const body = (out: string) => out.split("\n").slice(1, -1);
    const textLines = body(res.text.out);
    assert.equal(textLines.length, 3 * N + 2);
    assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);
    assert.match(res.text.out, /^UID {5}PID {4}COMM {14}FD ERR FLAGS {4}PATH\n/);
    assert.deepEqual(textLines.slice(0, -1), body(res.ref.out));
    assert.match(
      textLines[N + 1],
      new RegExp(`^0 +${pid} +open-storm\\S* +-1 +2 00000000 ${dir}/${tag}\\.missing\\.0$`),
    );

    // -x (and -t, the main thread): the N misses only; -f O_APPEND: the N appends only
    // (of every process: those of the workload's file); -n: the same opens as -p.
    assert.deepEqual(
      parse(res.failed.out).map((e) => e.path),
      misses.map((e) => e.path),
    );
    const appended = parse(res.append.out).filter((e) => e.path === file);
    assert.equal(appended.length, N);
    assert.ok(appended.every((e) => e.flags & O_APPEND));
    const named = parse(res.name.out).filter((e) => e.pid === Number(pid));
    assert.deepEqual(
      named.map((e) => e.path),
      opens.map((e) => e.path),
    );
    // -u 65534: none of root's opens; -T: HH:MM:SS first.
    assert.equal(body(res.nobody.out).length, 0);
    const timed = body(res.time.out);
    assert.equal(timed.length, N);
    assert.match(timed[0], new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${pid} +open-storm`));
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("opensnoop", [
    [["-u", "x"], /^tsnap: -u must be a decimal number, got 'x'\n$/],
    [["-p", "0"], /^tsnap: -p must be at least 1, got 0\n$/],
    [["-f", "O_RDONLY"], /^tsnap: -f: unknown open flag 'O_RDONLY' \(O_RDONLY is 0: no bit to test\)/],
    [["-d", "0"], /^tsnap: -d must be more than 0 seconds, got 0\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
});

test("-d: stops by itself after the duration", { skip, timeout: 30_000 }, async () => {
  const t0 = performance.now();
  const r = await runCli(["opensnoop", "-d", "1", "-p", "1"]);
  const s = (performance.now() - t0) / 1000;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^PID {4}COMM {14}FD ERR PATH\n/);
  assert.ok(s >= 1 && s < 15, `${s} s`);
});

test("a ring too small for a storm: the lost opens said on stderr are exactly the workload's opens not printed", {
  skip,
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-opensnoop-lost-"));
  const tag = `l${process.pid}`;
  const w = await startWorkload(compileWorkload("open-storm"), [String(3000), dir, tag]);
  try {
    // 4 pages: ~50 records of 328 bytes, against 9,002 opens made as fast as one thread can.
    const src = loadOpensnoop({ pid: Number(w.ready[1]), tid: 0, flagsMask: 0, failed: false }, 4 * 4096);
    let out = "";
    let err = "";
    const ac = new AbortController();
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: (t: string) => {
        err += t;
      },
      signal: ac.signal,
      isTTY: false,
      columns: 0,
    };
    const loop = runSnoopLoop(
      io,
      { json: false, header: "", tracing: "", durationS: Infinity, lostWords: LOST_WORDS },
      src,
      (buf, off) => {
        return `${decodeEvent(buf, off).path}\n`;
      },
    );
    const [, ok, failed] = /done (\d+) (\d+)/.exec(await signalAndWait(w)) ?? [];
    ac.abort();
    await loop;
    const made = Number(ok) + Number(failed);
    const printed = out.split("\n").filter((l) => l.includes(tag)).length;
    const ringWords = LOST_WORDS.ring;
    let lost = 0;
    for (const m of err.matchAll(/WARNING: (\d+) (.*)\n/g)) {
      assert.equal(m[2], ringWords, `only the ring loses: ${m[0]}`);
      lost += Number(m[1]);
    }
    assert.equal(made, 9002, "the workload made its opens");
    assert.ok(lost > 0, `a 16 KiB ring loses opens in a storm (printed ${printed} of ${made})`);
    assert.equal(lost, made - printed, `lost said ${lost}, made ${made}, printed ${printed}`);
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
