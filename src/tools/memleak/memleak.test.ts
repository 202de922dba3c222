// tsnap memleak against workloads whose allocations are known: test/workloads/mem-leaks.c
// keeps known numbers of known-size blocks from known functions and frees everything else
// (round 1), then keeps more (round 2, "young"); bpftrace follows malloc, calloc, realloc
// and free of the same run as the reference for the addresses still allocated.
// fds-held.c holds N open files (kernel mode: a struct file each, until close).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseNdjson } from "../../testkit/bcc-tools.js";
import { runCli, TSNAP_BIN } from "../../testkit/cli.js";
import { bpftrace, hasBpftrace, startRounds } from "../../testkit/func-calls.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";
import { parseOptions } from "./memleak.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/memleak.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/memleak.bpf.o not built (scripts/setup.sh)" : false;

/** The workload's arguments and what each leaking function keeps (mem-leaks.c). */
const N = { malloc: 40, calloc: 12, realloc: 6, memalign: 5, aligned: 3, mmap: 2, young: 9, churn: 200 };
const ARGS = [N.malloc, N.calloc, N.realloc, N.memalign, N.aligned, N.mmap, N.young, N.churn];
const ROUND1: Record<string, { bytes: number; allocations: number }> = {
  leak_malloc: { bytes: N.malloc * 48, allocations: N.malloc },
  leak_calloc: { bytes: N.calloc * 1000, allocations: N.calloc },
  leak_realloc: { bytes: N.realloc * 300, allocations: N.realloc },
  leak_memalign: { bytes: N.memalign * 4096, allocations: N.memalign },
  leak_aligned: { bytes: N.aligned * 512, allocations: N.aligned },
  leak_mmap: { bytes: N.mmap * 8192, allocations: N.mmap },
};
const YOUNG = { leak_young: { bytes: N.young * 200, allocations: N.young } };

interface JsonStack {
  bytes: number;
  allocations: number;
  frames: string[];
  allocs?: { addr: string; size: number }[];
}

/** The stacks of a report as leaf function → sums (every leaf once). */
function byLeaf(stacks: readonly { bytes: number; allocations: number; frames: string[] }[]) {
  const out: Record<string, { bytes: number; allocations: number }> = {};
  for (const s of stacks) {
    assert.ok(!(s.frames[0] in out), `one stack per leaking function: ${s.frames.join(";")}`);
    out[s.frames[0]] = { bytes: s.bytes, allocations: s.allocations };
  }
  return out;
}

/** bcc's text report → its stacks ("\tB bytes in N allocations from stack", "\t\tframe"...). */
function parseText(text: string): { bytes: number; allocations: number; frames: string[] }[] {
  const out: { bytes: number; allocations: number; frames: string[] }[] = [];
  for (const line of text.split("\n")) {
    const m = /^\t(\d+) bytes in (\d+) allocations from stack$/.exec(line);
    if (m) out.push({ bytes: Number(m[1]), allocations: Number(m[2]), frames: [] });
    else if (line.startsWith("\t\t")) out[out.length - 1].frames.push(line.slice(2));
  }
  return out;
}

/** The text of the last report (after Ctrl-C). */
const lastReport = (text: string) => text.slice(text.lastIndexOf("["));

test("outstanding bytes and allocations per stack exactly as the workload kept them; frees not reported; -o leaves the young out; bpftrace's live blocks", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const handles = liveCount();
  const w = await startRounds("mem-leaks", ARGS, ["-fno-omit-frame-pointer"]);
  let ref: ReturnType<typeof bpftrace> | undefined;
  try {
    const p = String(w.pid);
    const libc = readFileSync(`/proc/${p}/maps`, "utf8").match(/\s(\/\S*libc\.so\.6)$/m)?.[1];
    const tracers = {
      json: ours(["memleak", "-p", p, "-o", "0", "-a", "--json", "600"]),
      older: ours(["memleak", "-p", p, "-o", "1000", "600"]),
    };
    ref =
      hasBpftrace() && libc
        ? bpftrace(
            `uprobe:${libc}:malloc /pid == ${p}/ { @sz[tid] = arg0; } ` +
              `uprobe:${libc}:calloc /pid == ${p}/ { @sz[tid] = arg0 * arg1; } ` +
              `uprobe:${libc}:realloc /pid == ${p}/ { delete(@live[arg0]); @sz[tid] = arg1; } ` +
              `uretprobe:${libc}:malloc,uretprobe:${libc}:calloc,uretprobe:${libc}:realloc /pid == ${p} && @sz[tid]/ { @live[retval] = @sz[tid]; delete(@sz[tid]); } ` +
              `uprobe:${libc}:free /pid == ${p}/ { delete(@live[arg0]); }`,
          )
        : undefined;
    await Promise.all([...Object.values(tracers).map((x) => x.started), ref?.started]);
    await w.round();
    await new Promise((r) => setTimeout(r, 1500));
    await w.round();
    // Both at once: the young blocks must be younger than -o's second at the last report.
    const [json, older] = await Promise.all([tracers.json.stop(), tracers.older.stop()]);
    assert.equal(json.code, 0, json.err);
    assert.equal(older.code, 0, older.err);

    const reports = parseNdjson<{ time: string; stacks: JsonStack[] }>(json.out);
    const last = reports[reports.length - 1];
    assert.deepEqual(byLeaf(last.stacks), { ...ROUND1, ...YOUNG }, "every kept block, nothing freed");
    for (const s of last.stacks) {
      assert.ok(s.frames.includes("main"), s.frames.join(";"));
      assert.equal(s.allocs?.length, s.allocations);
      assert.equal(
        s.allocs?.reduce((a, b) => a + b.size, 0),
        s.bytes,
      );
    }
    assert.deepEqual(
      last.stacks.map((s) => s.bytes),
      last.stacks.map((s) => s.bytes).sort((a, b) => b - a),
      "largest first",
    );
    assert.deepEqual(
      byLeaf(parseText(lastReport(older.out))),
      ROUND1,
      "-o 1000: round 2's blocks are too young",
    );
    assert.match(older.out, /^\[\d\d:\d\d:\d\d\] Top 6 stacks with outstanding allocations:$/m);

    if (ref) {
      const live = new Map<string, number>();
      for (const m of (await ref.stop()).out.matchAll(/^@live\[(\d+)\]: (\d+)$/gm))
        live.set(`0x${BigInt(m[1]).toString(16)}`, Number(m[2]));
      const ourLive = new Map<string, number>();
      for (const s of last.stacks)
        if (["leak_malloc", "leak_calloc", "leak_realloc", "leak_young"].includes(s.frames[0]))
          for (const a of s.allocs ?? []) ourLive.set(a.addr, a.size);
      assert.deepEqual(ourLive, live, "the blocks bpftrace saw allocated and not freed, with their sizes");
    } else t.diagnostic("bpftrace not installed: not compared");
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    await ref?.stop();
  }
});

test("-c runs the command and follows it from its exec; ends when it exits", {
  skip,
  timeout: 60_000,
}, async () => {
  const bin = compileWorkload("mem-leaks", "test/workloads", ["-fno-omit-frame-pointer"]);
  const r = await runCli(["memleak", "-o", "0", "--json", "-c", `${bin} ${ARGS.join(" ")} run`, "600"]);
  assert.equal(r.code, 0, r.stderr);
  const reports = parseNdjson<{ stacks: JsonStack[] }>(
    r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .join("\n"),
  );
  assert.deepEqual(
    byLeaf(reports[reports.length - 1].stacks),
    ROUND1,
    "the command's blocks only (not its shell's)",
  );
});

test("kernel mode: a struct file per open file, outstanding while held, freed at close (alloc_empty_file)", {
  skip,
  timeout: 60_000,
}, async () => {
  const files = 2000;
  const w = await startWorkload(compileWorkload("fds-held"), [String(files)]);
  const child = spawn(process.execPath, [TSNAP_BIN, "memleak", "-o", "0", "-T", "100", "--json", "1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    let said = "";
    w.child.stdout!.on("data", (d) => {
      said += d;
    });
    /** The struct files outstanding in the next report: allocated by alloc_empty_file itself
     * (not the LSM blob its init_file allocates, one more per file). */
    const nextReport = async () => {
      const had = out.split("\n").length;
      while (out.split("\n").length <= had + 1) await new Promise((r) => setTimeout(r, 50));
      const line = out.split("\n")[had];
      const r = JSON.parse(line.startsWith("{") ? line : out.split("\n")[had - 1]) as { stacks: JsonStack[] };
      return r.stacks
        .filter((s) => s.frames[1] === "alloc_empty_file")
        .reduce((a, s) => a + s.allocations, 0);
    };
    const step = async (word: string) => {
      process.kill(w.child.pid!, "SIGUSR1");
      while (!said.includes(word)) await new Promise((r) => setTimeout(r, 20));
      await nextReport(); // may have been read before the step finished
      return nextReport();
    };
    await nextReport();
    const held = await step("done");
    const closed = await step("closed");
    // Other processes open and close files meanwhile: the difference is ours, give or take theirs.
    const freed = held - closed;
    assert.ok(held >= files, `${held} struct files outstanding while ${files} were held`);
    assert.ok(Math.abs(freed - files) <= files / 10, `${freed} struct files freed by closing ${files}`);
  } finally {
    child.kill("SIGINT");
    await w.stop();
  }
});

test("options as bcc's: defaults, interval and count", () => {
  const o = parseOptions(["-p", "42"]);
  assert.deepEqual([o.intervalS, o.count, o.top, o.olderMs, o.sampleRate], [5, Infinity, 10, 500, 1]);
  const c = parseOptions(["-c", "./prog  --flag x", "-z", "8", "-Z", "64", "10", "3"]);
  assert.deepEqual(
    [c.command, c.minSize, c.maxSize, c.intervalS, c.count],
    [["./prog", "--flag", "x"], 8, 64, 10, 3],
  );
});

test("bad input: one error line and exit 2 (1 for a library without malloc and free)", async () => {
  await assertBadInput("memleak", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["-z", "10", "-Z", "5"], /^tsnap: min size \(-z\) can't be greater than max size \(-Z\)\n$/],
    [["-p", "1", "-c", "ls"], /^tsnap: -p and -c exclude each other\n$/],
    [["-O", "c"], /^tsnap: -O needs -p or -c/],
    [["-P", "-p", "1"], /^tsnap: -P traces the kernel's percpu allocations/],
    [["-C", "-a", "-p", "1"], /^tsnap: -a lists allocations: not with --combined-only\n$/],
    [["0"], /^tsnap: interval must be a positive number, got '0'\n$/],
    [["1", "2", "3"], /^tsnap: unexpected argument '3'\n$/],
    [["-s", "0"], /^tsnap: -s/],
  ]);
  if (!root) return;
  const lib = await runCli(["memleak", "-p", String(process.pid), "-O", "/bin/true", "1", "1"]);
  assert.equal(lib.code, 1);
  assert.match(lib.stderr, /^tsnap: '\/bin\/true' has no malloc and free to probe/);
  assert.equal(lib.stderr.split("\n").length, 2, lib.stderr);
});
