// tsnap klockstat against waits whose lock and caller are known: test/workloads/lock-contend.c
// runs 4 threads that each pwrite() 64 KiB blocks into one file on /dev/shm, so every
// write takes the file's i_rwsem for write from shmem_file_write_iter and the writers
// queue on it. bpftrace, attached to the same tracepoints with the same pairing (thread,
// lock), is the reference on the same run: the same number of waits, the same total wait
// within 2%; the by-lock (-A) and by-thread (-P) views and the -c filter add up to it.
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, libbpfToolSkip, ours, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { bpftrace, bpftraceCounts, hasBpftrace } from "../../testkit/func-calls.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";
import { parseOptions, parseSort } from "./klockstat.js";
import { callerFrames, sortRows, symbolAddress, symbolsAt, waitTime } from "./klockstat-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/klockstat.bpf.o`);
const tp = existsSync("/sys/kernel/tracing/events/lock/contention_begin");
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/klockstat.bpf.o not built (scripts/setup.sh)"
    : !tp
      ? "no lock:contention_begin tracepoint in this kernel (or tracefs not mounted)"
      : !hasBpftrace()
        ? "bpftrace, the reference, is not installed (setup.sh --tests)"
        : false;

interface JsonRow {
  caller?: string;
  stack?: string[];
  lock?: string;
  tid?: number;
  comm?: string;
  kinds: string;
  count: number;
  avg_ns: number;
  max_ns: number;
  total_ns: number;
  max_pid: number;
}

const parse = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as JsonRow);
const sum = (rows: readonly JsonRow[], f: (r: JsonRow) => number) => rows.reduce((s, r) => s + f(r), 0);

test("waits per caller, lock and thread match bpftrace's count and total of the same waits", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const file = `/dev/shm/tsnap-klockstat-${process.pid}`;
  const w = await startWorkload(compileWorkload("lock-contend"), [file, "4", "3000", "65536"]);
  try {
    const pid = Number(w.ready[1]);
    const p = ["-p", String(pid)];
    const t = {
      caller: ours(["klockstat", "--json", "-s", "4", ...p]),
      text: ours(["klockstat", ...p]),
      lock: ours(["klockstat", "--json", "-A", ...p]),
      thread: ours(["klockstat", "--json", "-P", ...p]),
      nomatch: ours(["klockstat", "--json", "-c", "no_such_caller_", ...p]),
      ref: bpftrace(
        `tracepoint:lock:contention_begin /pid == ${pid}/ { @s[tid, args->lock_addr] = nsecs; }
         tracepoint:lock:contention_end /@s[tid, args->lock_addr]/ {
           @n = count(); @ns = sum(nsecs - @s[tid, args->lock_addr]); delete(@s[tid, args->lock_addr]); }`,
      ),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const done = new Promise<void>((res) => w.child.once("exit", () => res()));
    w.child.kill("SIGUSR1");
    await done;
    await new Promise((r) => setTimeout(r, 300));
    const res = await stopAll(t);
    const ref = bpftraceCounts(res.ref.out);
    const n = ref.get("n") ?? 0;
    const ns = ref.get("ns") ?? 0;
    assert.ok(n >= 10, `the 4 writers waited on the file's lock (bpftrace saw ${n} waits)`);

    const callers = parse(res.caller.out);
    assert.equal(
      sum(callers, (r) => r.count),
      n,
      "waits per caller add up to bpftrace's count",
    );
    assert.ok(
      Math.abs(sum(callers, (r) => r.total_ns) - ns) <= ns * 0.02,
      "total wait within 2% of bpftrace's",
    );
    // Every write waited in the shmem write path, on an rwsem taken for write.
    const main = callers.reduce((a, b) => (b.count > a.count ? b : a));
    assert.match(main.caller ?? "", /^shmem_file_write_iter\+0x/, JSON.stringify(main));
    assert.ok(
      main.stack!.length >= 2 && main.stack!.some((f) => f.startsWith("vfs_write+")),
      main.stack!.join(" "),
    );
    assert.match(main.kinds, /WRITE/);
    assert.equal(main.max_pid, pid);
    assert.ok(main.max_ns <= main.total_ns && main.avg_ns <= main.max_ns);

    const locks = parse(res.lock.out);
    assert.equal(
      sum(locks, (r) => r.count),
      n,
      "waits per lock add up to bpftrace's count",
    );
    assert.ok(
      locks.some((r) => r.count >= n * 0.9),
      "nearly all on one lock, the file's i_rwsem",
    );
    const threads = parse(res.thread.out);
    assert.equal(
      sum(threads, (r) => r.count),
      n,
      "waits per thread add up to bpftrace's count",
    );
    assert.ok(threads.length >= 2 && threads.length <= 5, "the writer threads (and no other)");
    assert.ok(threads.every((r) => r.comm === "lock-contend" || r.comm?.startsWith("lock-contend")));
    assert.deepEqual(parse(res.nomatch.out), [], "-c with a prefix no caller has: no rows");

    // The text layout: libbpf-tools' Wait table, then its closing line.
    assert.match(res.text.out, /\n {31}Caller {2}Avg Wait {4}Count {3}Max Wait {3}Total Wait\n/);
    assert.match(res.text.out, /^ +shmem_file_write_iter\+0x[0-9a-f]+ +[\d.]+ (ns|us|ms|s ) +\d+ /m);
    assert.match(res.text.out, /Exiting trace of mutex\/sem locks\n$/);
    assert.equal(liveCount(), handles, "every fd and link closed");
  } finally {
    await w.stop();
    rmSync(file, { force: true });
  }
});

test("libbpf-tools klockstat is no reference here: it needs fentry or kprobes on the lock functions", {
  skip: !root ? "needs root" : false,
}, (t) => {
  const why = libbpfToolSkip("klockstat", ["-d", "1"]);
  if (why === false)
    t.skip("libbpf-tools klockstat loads here: its table counts every acquire, not only waits");
  else assert.match(why, /not installed|does not load/);
});

test("bad input: one line, exit 2; an unknown lock symbol: exit 1; not root: exit 1", async () => {
  for (const [args, msg] of [
    [["-S", "hld_max"], /hold times need kprobes or fentry/],
    [["-S", "bogus"], /-S must be acq_max, acq_total or acq_count/],
    [["-P", "-s", "3"], /-P and -s cannot be used together/],
    [["-P", "-A"], /-P and -A cannot be used together/],
    [["-n", "0"], /-n/],
    [["-i", "x"], /-i/],
    [["extra"], /unexpected argument/],
  ] as const) {
    const r = await runTsnap(["klockstat", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
    assert.match(r.stderr, msg);
  }
  if (root) {
    const r = await runTsnap(["klockstat", "-L", "no_such_lock_symbol_here"]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, "tsnap: -L no_such_lock_symbol_here: no such kernel symbol in /proc/kallsyms\n");
    assertNeedsRoot("klockstat", TSNAP_BIN);
  }
});

test("pure pieces: the caller past the lock code, libbpf-tools' time cells, sorts, symbols", () => {
  assert.deepEqual(
    callerFrames([
      "rwsem_down_write_slowpath+0x5d7",
      "down_write+0x66",
      "shmem_file_write_iter+0x2c",
      "vfs_write+0x29c",
    ]),
    ["shmem_file_write_iter+0x2c", "vfs_write+0x29c"],
  );
  assert.deepEqual(
    callerFrames(["native_queued_spin_lock_slowpath+0x80", "_raw_spin_lock+0x1e", "futex_wake+0x7c"]),
    ["futex_wake+0x7c"],
  );
  assert.deepEqual(callerFrames(["__mutex_lock.constprop.0+0x5a", "mutex_lock+0x1e", "pipe_write+0x4d"]), [
    "pipe_write+0x4d",
  ]);
  assert.equal(waitTime(812), "812 ns");
  assert.equal(waitTime(3400), "3.4 us");
  assert.equal(waitTime(81_406_857), "81.4 ms");
  assert.equal(waitTime(1.1e9), "1.1 s ");
  assert.equal(waitTime(90e9), "1.5 m ");
  assert.equal(parseSort(undefined), "max");
  assert.equal(parseSort("acq_count,hld_total"), "count");
  assert.equal(parseSort("acq_total"), "total");
  const rows = [
    { count: 1, totalNs: 50, maxNs: 50 },
    { count: 9, totalNs: 90, maxNs: 20 },
    { count: 3, totalNs: 300, maxNs: 200 },
  ] as unknown as Parameters<typeof sortRows>[0];
  assert.deepEqual(
    sortRows(rows, "count", 2).map((r) => r.count),
    [9, 3],
  );
  assert.deepEqual(
    sortRows(rows, "max", 9).map((r) => r.maxNs),
    [200, 50, 20],
  );
  const ks = "ffffffff82a0c1e0 d cgroup_mutex\nffffffff82a0c200 D other_lock\nffffffff81000000 T _stext\n";
  assert.equal(symbolAddress(ks, "cgroup_mutex"), 0xffffffff82a0c1e0n);
  assert.equal(symbolAddress(ks, "cgroup"), undefined);
  assert.deepEqual(
    symbolsAt(ks, new Set([0xffffffff82a0c200n, 0xffff888100000000n])),
    new Map([[0xffffffff82a0c200n, "other_lock"]]),
  );
  assert.equal(parseOptions(["-A"]).by, "lock");
  assert.equal(parseOptions(["-P"]).by, "thread");
  assert.equal(parseOptions([]).by, "caller");
});
