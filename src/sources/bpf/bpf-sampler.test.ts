// The bpf source against threads whose behaviour we construct: run-queue waiting, a
// 300 ms sleep loop, O_DIRECT writes of a known size, and no fd or link left behind.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { liveCount } from "../../bpf/handles.js";
import { NotSupported } from "../../errors.js";
import type { IoEnd, Sample, SyscallEnd } from "../../model/sample.js";
import type { RoundResult, SamplerOptions } from "../../model/sampler.js";
import { TSNAP_BIN } from "../../testkit/cli.js";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";
import { type BpfSampler, openBpfSampler } from "./bpf-sampler.js";

async function whyNot(): Promise<string | null> {
  try {
    (await openBpfSampler({ hz: 1, all: false, needs: new Set() })).close();
    return null;
  } catch (err) {
    if (err instanceof NotSupported) return err.message;
    throw err;
  }
}
const skip = (await whyNot()) ?? false;

async function rounds(opts: SamplerOptions, n: number, gapMs: number): Promise<RoundResult[]> {
  const s = (await openBpfSampler(opts)) as BpfSampler;
  const out: RoundResult[] = [];
  try {
    for (let i = 0; i < n; i++) {
      out.push(s.round());
      await sleep(gapMs);
    }
  } finally {
    s.close();
  }
  return out;
}

/** fds of this process that are BPF objects (maps, programs, links). */
function bpfFds(): number {
  let n = 0;
  for (const f of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${f}`).startsWith("anon_inode:bpf")) n++;
    } catch {
      // the directory's own fd
    }
  }
  return n;
}

/** BPF link ids a process holds, from /proc/PID/fdinfo ("link_id:" lines). */
function linksOf(pid: number): number[] {
  const ids: number[] = [];
  for (const f of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^link_id:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${f}`, "utf8"));
      if (m) ids.push(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return ids;
}

/** Every BPF link in the system, as bpftool lists them. */
function systemLinks(): Set<number> {
  const out = execFileSync("bpftool", ["-j", "link", "show"], { encoding: "utf8" });
  return new Set((JSON.parse(out || "[]") as { id: number }[]).map((l) => l.id));
}

test("more spinning threads than CPUs: the surplus shows as RUNQ", { skip }, async () => {
  const cpus = availableParallelism();
  const threads = cpus * 2;
  const w = await startWorkload(compileWorkload("spin"), [String(threads), "20"]);
  try {
    const pid = w.child.pid!;
    const rs = await rounds({ hz: 20, all: true, needs: new Set(["syscall"]), pids: new Set([pid]) }, 30, 30);
    let good = 0;
    let runq = 0;
    for (const r of rs) {
      const spinners = r.samples.filter((s) => s.tid !== pid);
      assert.equal(spinners.length, threads, "every spinner is sampled every round");
      assert.ok(
        spinners.every((s) => s.state === "RUN" || s.state === "RUNQ"),
        JSON.stringify(spinners.map((s) => s.state)),
      );
      const q = spinners.filter((s) => s.state === "RUNQ").length;
      runq += q;
      // At most `cpus` threads can be on a CPU at once; the rest must be queued.
      if (q >= threads - cpus) good++;
    }
    assert.ok(good >= rs.length * 0.9, `${good}/${rs.length} rounds had >= ${threads - cpus} RUNQ`);
    assert.ok(runq > 0);
  } finally {
    await w.stop();
  }
});

test("300 ms sleep loop: time so far grows within a syscall, completions last 300 ms ± 5%", {
  skip,
}, async () => {
  const w = await startWorkload(compileWorkload("sleep-loop"), ["300", "20"]);
  try {
    const pid = Number(w.ready[1]);
    const rs = await rounds({ hz: 20, all: true, needs: new Set(["syscall"]), pids: new Set([pid]) }, 45, 50);
    const samples: Sample[] = rs.flatMap((r) => r.samples).filter((s) => s.tid === pid);
    const ends: SyscallEnd[] = rs.flatMap((r) => r.syscallEnds).filter((e) => e.tid === pid);
    assert.ok(samples.length >= 40, `${samples.length} samples`);
    // Between two sleeps the thread is briefly runnable; a sample may catch that, rarely.
    const asleep = samples.filter((s) => s.syscall === "clock_nanosleep" && s.state === "SLEEP");
    assert.ok(asleep.length >= samples.length * 0.9, `${asleep.length} of ${samples.length} asleep`);
    const tracked = asleep.filter((s) => s.sysc_ns_so_far !== null);
    assert.ok(tracked.length >= 30);
    for (const s of tracked) assert.ok(s.sysc_ns_so_far! <= 300e6 * 1.05, `so far ${s.sysc_ns_so_far}`);
    // Within one syscall (same seq), later samples saw more time so far.
    let grew = 0;
    for (let i = 1; i < tracked.length; i++) {
      if (tracked[i].sysc_seq_num === tracked[i - 1].sysc_seq_num) {
        assert.ok(tracked[i].sysc_ns_so_far! > tracked[i - 1].sysc_ns_so_far!);
        grew++;
      }
    }
    assert.ok(grew >= 10, `${grew} pairs in the same syscall`);
    // Every sleep a sample saw completed (the last may still be running): 300 ms ± 5%.
    assert.ok(ends.length >= 4, `${ends.length} completions`);
    // A sleep never ends early; on a loaded machine the wake-up may come late, rarely.
    for (const e of ends) {
      assert.equal(e.syscall, "clock_nanosleep");
      assert.equal(e.ret, 0n);
      assert.ok(e.duration_ns >= 300e6, `duration ${e.duration_ns}`);
    }
    const close = ends.filter((e) => Math.abs(e.duration_ns - 300e6) <= 15e6);
    assert.ok(close.length >= ends.length * 0.9, `within ±5%: ${ends.map((e) => e.duration_ns).join(", ")}`);
    const seen = new Set(tracked.map((s) => s.sysc_seq_num));
    assert.ok(
      ends.every((e) => seen.has(e.sysc_seq_num)),
      "completions only for syscalls a sample saw",
    );
  } finally {
    await w.stop();
  }
});

test("O_DIRECT writes: I/O completion records carry the device and the exact byte count", {
  skip,
}, async () => {
  const dir = mkdtempSync("/var/tmp/tsnap-io-");
  const file = join(dir, "data");
  const block = 65536;
  const w = await startWorkload(compileWorkload("odirect-write"), [file, String(block), "20"]);
  try {
    const pid = Number(w.ready[1]);
    const st = statSync(file);
    const rs = await rounds(
      { hz: 20, all: true, needs: new Set(["syscall", "filename"]), pids: new Set([pid]) },
      40,
      50,
    );
    const samples = rs.flatMap((r) => r.samples);
    const ends: IoEnd[] = rs.flatMap((r) => r.ioEnds).filter((e) => e.insert_tgid === pid);
    const inflight = samples.filter((s) => s.iorq_seq_num !== null);
    assert.ok(inflight.length > 0, "some samples caught an I/O in flight");
    assert.ok(
      samples.some((s) => s.syscall === "pwrite64" && s.filename === file),
      "pwrite64 on the file",
    );
    assert.ok(ends.length > 0, "I/O completions arrived");
    for (const e of ends) {
      assert.equal(e.bytes, block);
      // st_dev of the file is the partition or disk the request went to.
      assert.equal((e.dev_maj << 20) | e.dev_min, kernelDev(st.dev));
      assert.ok(e.duration_ns >= e.service_ns && e.service_ns > 0);
      assert.equal(e.error, 0);
    }
    const seen = new Set(inflight.map((s) => s.iorq_seq_num));
    assert.ok(
      ends.every((e) => seen.has(e.iorq_seq_num)),
      "completions only for I/Os a sample saw",
    );
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fallback hooks: raw_tp tracks syscalls too; with no hooks the iterator still names them", {
  skip,
}, async () => {
  const w = await startWorkload(compileWorkload("sleep-loop"), ["300", "20"]);
  const saved = process.env.TSNAP_BPF_HOOKS;
  try {
    const pid = Number(w.ready[1]);
    for (const hooks of ["raw_tp", "none"]) {
      process.env.TSNAP_BPF_HOOKS = hooks;
      const notices: string[] = [];
      const s = (await openBpfSampler({
        hz: 20,
        all: true,
        needs: new Set(["syscall"]),
        pids: new Set([pid]),
        notice: (l) => notices.push(l),
      })) as BpfSampler;
      const rs: RoundResult[] = [];
      try {
        assert.equal(s.hooks, hooks);
        for (let i = 0; i < 16; i++) {
          rs.push(s.round());
          await sleep(50);
        }
      } finally {
        s.close();
      }
      const samples = rs.flatMap((r) => r.samples).filter((x) => x.tid === pid);
      const ends = rs.flatMap((r) => r.syscallEnds).filter((e) => e.tid === pid);
      assert.ok(samples.filter((x) => x.syscall === "clock_nanosleep").length >= samples.length * 0.8);
      if (hooks === "raw_tp") {
        assert.ok(
          samples.some((x) => x.sysc_ns_so_far !== null),
          "raw_tp tracks entry times",
        );
        assert.ok(ends.length >= 1 && ends.every((e) => e.duration_ns >= 300e6 && e.duration_ns < 330e6));
      } else {
        assert.ok(
          samples.every((x) => x.sysc_ns_so_far === null),
          "no tracking without hooks",
        );
        assert.equal(ends.length, 0);
      }
    }
  } finally {
    if (saved === undefined) delete process.env.TSNAP_BPF_HOOKS;
    else process.env.TSNAP_BPF_HOOKS = saved;
    await w.stop();
  }
});

/** userspace dev_t (glibc encoding) → the kernel's major << 20 | minor. */
function kernelDev(dev: number): number {
  const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff);
  return (major << 20) | minor;
}

test("pid filter in the kernel, own threads left out", { skip }, async () => {
  const w = await startWorkload(compileWorkload("spin"), ["3", "20"]);
  try {
    const pid = w.child.pid!;
    const [r] = await rounds({ hz: 1, all: true, needs: new Set(), pids: new Set([pid]) }, 1, 0);
    assert.equal(r.threadsSeen, 4);
    assert.deepEqual(new Set(r.samples.map((s) => s.tgid)), new Set([pid]));
    const [all] = await rounds({ hz: 1, all: true, needs: new Set() }, 1, 0);
    assert.ok(!all.samples.some((s) => s.tgid === process.pid), "tsnap's own threads are excluded");
    assert.ok(all.samples.some((s) => s.tgid === pid));
  } finally {
    await w.stop();
  }
});

test("stacks: kernel frames symbolized, user frames walked by frame pointer, each sent once", {
  skip,
}, async () => {
  // Built with frame pointers (the cached workloads are not), so the user walk has a chain.
  const bin = compileWorkload("sleep-loop", "test/workloads", ["-fno-omit-frame-pointer"]);
  const w = await startWorkload(bin, ["300", "20"]);
  try {
    const pid = Number(w.ready[1]);
    await sleep(50); // in nanosleep by now
    const rs = await rounds(
      { hz: 10, all: true, needs: new Set(["kstack", "wchan", "ustack"]), pids: new Set([pid]) },
      3,
      20,
    );
    const dict = new Map(rs.flatMap((r) => r.newStacks).map((e) => [e.hash, e]));
    const s = rs.flatMap((r) => r.samples).find((x) => x.tid === pid)!;
    assert.ok(s.kstack_hash !== null && dict.has(s.kstack_hash));
    assert.equal(dict.get(s.kstack_hash)!.kind, "kernel");
    // The kernel leaves out scheduler frames (do_nanosleep is one), as /proc/PID/stack does.
    assert.match(s.kstack!, /^hrtimer_nanosleep\+0x[0-9a-f]+;.*clock_nanosleep/);
    assert.equal(s.wchan, "hrtimer_nanosleep");
    // User stack: the syscall's return address in libc, then sleep_once's return into main.
    assert.ok(s.ustack_hash !== null && dict.has(s.ustack_hash), "a user stack");
    const u = dict.get(s.ustack_hash)!;
    assert.equal(u.kind, "user");
    // Frames are named module`function+0xoff; the names are checked against nm's listing.
    assert.match(u.frames[0], /^libc\.so\.6`\w*clock_nanosleep\w*\+0x[0-9a-f]+$/, u.frames.join(" "));
    const m = new RegExp(`^${basename(bin)}\`(\\w+)\\+0x[0-9a-f]+$`).exec(u.frames[1]);
    assert.ok(m, u.frames.join(" "));
    const nm = execFileSync("nm", [bin], { encoding: "utf8" });
    assert.match(nm, new RegExp(` [Tt] ${m[1]}$`, "m"), `${m[1]} is a function of ${bin}`);
    assert.ok(["sleep_once", "main"].includes(m[1]), m[1]);
    assert.equal(s.ustack, u.frames.join(";"));
    const hashes = rs.flatMap((r) => r.newStacks).map((e) => e.hash);
    assert.equal(new Set(hashes).size, hashes.length, "each stack is sent once");
  } finally {
    await w.stop();
  }
});

test("no BPF fd, link or mapping left after close", { skip }, async () => {
  const fds0 = bpfFds();
  const live0 = liveCount();
  const s = await openBpfSampler({ hz: 10, all: true, needs: new Set(["kstack"]) });
  s.round();
  const held = linksOf(process.pid);
  assert.ok(held.length >= 2, `links while open: ${held.length}`);
  assert.ok(bpfFds() > fds0);
  s.close();
  s.close(); // twice is fine
  assert.equal(bpfFds(), fds0);
  assert.deepEqual(linksOf(process.pid), []);
  const remaining = systemLinks();
  assert.ok(
    held.every((id) => !remaining.has(id)),
    "the kernel dropped every link",
  );
  assert.equal(liveCount(), live0);
});

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  test(`tsnap top --source bpf: ${sig} detaches every link`, { skip }, async () => {
    const child = spawn(process.execPath, [TSNAP_BIN, "top", "--source", "bpf", "-d", "60"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
    let held: number[] = [];
    for (let i = 0; i < 100 && held.length < 6; i++) {
      await sleep(50);
      held = linksOf(child.pid!);
    }
    assert.ok(held.length >= 6, `links while running: ${held.length}`); // 5 hooks + the iterator
    child.kill(sig);
    const code = await exited;
    assert.equal(code, 0, stderr);
    assert.ok(!/\n\s+at /.test(stderr), stderr);
    const remaining = systemLinks();
    assert.deepEqual(
      held.filter((id) => remaining.has(id)),
      [],
    );
  });
}

/** Rounds from the in-kernel clock after `ms`, collected in one batch. */
/** Rounds from the in-kernel clock after `ms`, collected in one batch; `ready` runs before the start. */
async function clockRounds(
  opts: SamplerOptions,
  ms: number,
  during?: () => Promise<void>,
  ready?: () => Promise<void>,
) {
  const s = (await openBpfSampler(opts)) as BpfSampler;
  try {
    assert.ok(s.kernelClock, "the bpf source has an in-kernel clock");
    await ready?.();
    const t0 = performance.now();
    s.kernelClock.start();
    await (during ? Promise.all([sleep(ms), during()]) : sleep(ms));
    s.kernelClock.originMs(); // read while open: instantMs() works after close
    const rounds = s.kernelClock.collect();
    const stats = s.stats();
    return { rounds, stats, clock: s.kernelClock, elapsedMs: performance.now() - t0 };
  } finally {
    s.close();
  }
}

test("in-kernel clock: one round per period at hz, at the dithered instants user space predicts, complete, own threads counted but never sampled", {
  skip,
}, async () => {
  // A thread of this process spins for the whole window: at every instant it is on a CPU
  // or runnable, so the kernel must count tsnap (this process) as active at each one. It
  // starts once the sampler is loaded (the load can take a second on a busy machine).
  const spinMs = 1500;
  let exited: Promise<unknown> = Promise.resolve();
  const spin = () =>
    new Promise<void>((spinning) => {
      const worker = new Worker(
        `require("node:worker_threads").parentPort.postMessage(1); const end = Date.now() + ${spinMs}; while (Date.now() < end);`,
        { eval: true },
      );
      worker.once("message", () => spinning());
      exited = new Promise((r) => worker.once("exit", r));
    });
  const {
    rounds: rs,
    stats,
    clock,
  } = await clockRounds({ hz: 50, all: true, needs: new Set() }, 1000, undefined, spin);
  await exited;
  // Collected once, at the end: on a machine with many threads the ring fills first, and
  // the rounds it could not hold are counted lost, whole.
  assert.ok(
    rs.length + stats.roundsLost >= 40,
    `${rs.length} rounds (+ ${stats.roundsLost} lost) in 1 s at 50 Hz`,
  );
  assert.ok(rs.length >= 20, `${rs.length} rounds delivered`);
  assert.equal(clock.ticks, 4, "50 Hz: a 5 ms tick, 4 per period");
  // Round i belongs to period k_i (k_0 = rounds missed before it); its instant, relative to
  // the first round's, is what user space computes from the kernel's origin and seed: the
  // kernel and records.ts draw the same tick. The gaps are not all one period (dithered).
  let k = (rs[0].lostBefore ?? 0) + (rs[0].lateBefore ?? 0);
  const k0 = k;
  const gaps = new Set<number>();
  // With the clock on several CPUs, a round whose CPU did not tick (an idle vCPU's timer
  // can wait here) is taken by the next tick of another, up to a tick after the instant.
  const tickMs = clock.tickNs / 1e6;
  let taken = 0;
  for (let i = 1; i < rs.length; i++) {
    k += 1 + (rs[i].lostBefore ?? 0) + (rs[i].lateBefore ?? 0);
    const got = (rs[i].timestamp - rs[0].timestamp) / 1e3;
    const want = (clock.instantMs(k) as number) - (clock.instantMs(k0) as number);
    // Within the 1 ms a tick may come late and its round still be delivered (timer jitter).
    if (Math.abs(got - want) > 1.001) {
      taken++;
      assert.ok(
        got > want && got - want <= tickMs + 1.001,
        `round ${i} (period ${k}) at +${got} ms, predicted +${want} ms`,
      );
    }
    gaps.add(Math.round((rs[i].timestamp - rs[i - 1].timestamp) / 5e3));
  }
  const c = clock.counters;
  assert.ok(
    taken <= c.takenForHeld,
    `${taken} rounds off their instants, ${c.takenForHeld} taken for a CPU that did not tick`,
  );
  assert.ok(gaps.size >= 3, `instants dithered: gaps of ${[...gaps].map((g) => g * 5).join(", ")} ms`);
  for (const r of rs) {
    assert.equal(r.samples.length, r.threadsSeen, "-a: every thread visited is in the round");
    assert.ok(!r.samples.some((s) => s.tgid === process.pid), "tsnap's own threads are never samples");
    assert.ok(!r.samples.some((s) => s.tid === 0), "no idle task");
  }
  const active = rs.filter((r) => (r.selfActive ?? 0) >= 1).length;
  assert.ok(active >= rs.length * 0.9, `own spinning thread seen at ${active} of ${rs.length} instants`);
  assert.equal(stats.perturbedRounds, active);
});

test("in-kernel clock: a ring left full loses whole rounds, counted, never half a round", {
  skip,
}, async () => {
  // 200 Hz with every thread, collected once after 1.5 s: far more than the ring holds.
  const {
    rounds: rs,
    stats,
    elapsedMs,
  } = await clockRounds({ hz: 200, all: true, needs: new Set(), batchRounds: 1 }, 1500);
  assert.ok(stats.roundsLost > 0, `lost ${stats.roundsLost}`);
  assert.ok(rs.length > 0);
  for (const r of rs) assert.equal(r.samples.length, r.threadsSeen, "a delivered round is complete");
  // Every period from start to the last count is delivered, lost or late (the kernel's lost
  // count runs on until the stats are read: the elapsed time includes the collection).
  const due = rs.length + stats.roundsLost + stats.roundsLate;
  const periods = (elapsedMs / 1000) * 200;
  assert.ok(
    due >= 1.5 * 200 * 0.93 && due <= periods * 1.02 + 2,
    `delivered ${rs.length} + lost ${stats.roundsLost} + late ${stats.roundsLate}, ${periods.toFixed(0)} periods elapsed`,
  );
});

test("in-kernel clock: threads seen counts what the filters let through (-p PID, -p REGEX)", {
  skip,
}, async () => {
  const w = await startWorkload(compileWorkload("spin"), ["3", "20"]);
  try {
    const pid = w.child.pid!;
    const byPid = await clockRounds({ hz: 20, all: false, needs: new Set(), pids: new Set([pid]) }, 300);
    assert.ok(byPid.rounds.length > 0);
    for (const r of byPid.rounds) assert.equal(r.threadsSeen, 4, "3 spinners and the main thread");
    const none = await clockRounds({ hz: 20, all: false, needs: new Set(), comm: /^no-such-thread$/ }, 300);
    for (const r of none.rounds) assert.equal(r.threadsSeen, 0);
    const spin = await clockRounds({ hz: 20, all: false, needs: new Set(), comm: /^spin-/ }, 300);
    for (const r of spin.rounds) assert.ok(r.threadsSeen >= 4, `${r.threadsSeen}`);
  } finally {
    await w.stop();
  }
});

test("under `node --cpu-prof` (SIGPROF every ms) the sampler still loads: signals wait during the verifier", {
  skip,
}, async () => {
  const dir = mkdtempSync("/tmp/tsnap-cpuprof-");
  try {
    const r = await new Promise<{ code: number | null; out: string }>((res) => {
      const child = spawn(
        process.execPath,
        ["--cpu-prof", `--cpu-prof-dir=${dir}`, TSNAP_BIN, "top", "--source", "bpf", "-d", "0.3"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        out += d;
      });
      child.once("close", (code) => res({ code, out }));
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /source: bpf/);
    assert.ok(
      readdirSync(dir).some((f) => f.endsWith(".cpuprofile")),
      "the profiler ran",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** True when /proc/PID/stat's flags have PF_KTHREAD (field 9). */
function isKernelThread(pid: number): boolean | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const flags = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[6]);
    return (flags & 0x00200000) !== 0;
  } catch {
    return null; // gone
  }
}

test("-a: cmdline and exe of every process are what /proc says, kernel threads (no pread) and user processes", {
  skip,
}, async () => {
  const w = await startWorkload(compileWorkload("spin"), ["1", "20", "extra-arg"]);
  try {
    const [r] = await rounds({ hz: 1, all: true, needs: new Set(["cmdline", "exe"]) }, 1, 0);
    let kthreads = 0;
    let users = 0;
    const seen = new Set<number>();
    for (const s of r.samples) {
      if (seen.has(s.tgid)) continue;
      seen.add(s.tgid);
      const k = isKernelThread(s.tgid);
      if (k === null) continue;
      let cmdline: string;
      let exe: string | null;
      try {
        cmdline = readFileSync(`/proc/${s.tgid}/cmdline`, "utf8").replace(/\0+$/, "").split("\0").join(" ");
        try {
          exe = readlinkSync(`/proc/${s.tgid}/exe`);
        } catch {
          exe = null;
        }
      } catch {
        continue; // exited since the round
      }
      if (k) kthreads++;
      else users++;
      assert.equal(s.cmdline, cmdline, `cmdline of ${s.tgid} (${s.comm})`);
      assert.equal(s.exe, exe, `exe of ${s.tgid} (${s.comm})`);
      if (k) assert.equal(s.cmdline, "", `kernel thread ${s.tgid} has an empty cmdline`);
    }
    assert.ok(kthreads > 0, "kernel threads sampled");
    assert.ok(users > 0, "user processes sampled");
    const mine = r.samples.find((s) => s.tgid === w.child.pid);
    assert.ok(mine?.cmdline?.endsWith(" 1 20 extra-arg"), `workload cmdline: ${mine?.cmdline}`);
  } finally {
    await w.stop();
  }
});
