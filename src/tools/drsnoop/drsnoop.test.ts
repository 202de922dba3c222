// tsnap drsnoop against reclaim provoked on purpose: dd reads a 64 MiB file that is not
// in the page cache from inside a memory cgroup limited to 16 MiB, so the cgroup must
// reclaim its own page cache again and again (vmscan:mm_vmscan_memcg_reclaim_*). On the
// same run: bpftrace on the same tracepoints lists the same reclaims (thread, pages), one
// for one; libbpf-tools' drsnoop, which traces only the system's direct reclaim, lists
// none of dd's, and neither does tsnap's -G.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import {
  assertBadInput,
  inCgroup,
  libbpfTool,
  memoryCgroup,
  ours,
  stopAll,
  theirs,
} from "../../testkit/bcc-tools.js";
import { bpftrace, hasBpftrace } from "../../testkit/func-calls.js";
import { REPO_ROOT } from "../../testkit/workloads.js";
import { drsnoopPrograms } from "./drsnoop-load.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/drsnoop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/drsnoop.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip ||
  (!libbpfTool("drsnoop")
    ? "libbpf-tools drsnoop not installed (setup.sh --tests)"
    : !hasBpftrace()
      ? "bpftrace not installed (setup.sh --tests)"
      : false);
const FILE = "/var/tmp/tsnap-drsnoop-test.dat";

interface JsonReclaim {
  pid: number;
  tid: number;
  comm: string;
  kind: string;
  lat_ms: number;
  pages: number;
}

test("reclaim in a memory-limited cgroup: every reclaim of dd, the same as bpftrace's; libbpf-tools sees none", {
  skip: skipRef,
  timeout: 120_000,
}, async (tc) => {
  const handles = liveCount();
  const cg = memoryCgroup("tsnap-drsnoop", 16 << 20);
  if (!cg) return assert.fail("no memory cgroup controller (v1 or v2) to limit the workload");
  try {
    spawnSync("dd", ["if=/dev/zero", `of=${FILE}`, "bs=1M", "count=64", "conv=fsync", "status=none"]);
    // Out of the page cache: dd must read it in, charging the cgroup.
    spawnSync("dd", [`if=${FILE}`, "iflag=nocache", "count=0", "status=none"]);
    const t = {
      json: ours(["drsnoop", "--json"]),
      text: ours(["drsnoop"], "PAGES\n"),
      global: ours(["drsnoop", "-G", "--json"]),
      ref: theirs("drsnoop", [], "PAGES\n"),
      bt: bpftrace(
        'tracepoint:vmscan:mm_vmscan_memcg_reclaim_begin /comm == "dd"/ { @s[tid] = 1; } ' +
          'tracepoint:vmscan:mm_vmscan_memcg_reclaim_end /@s[tid]/ { printf("R %d %d\\n", tid, args->nr_reclaimed); delete(@s[tid]); }',
      ),
    };
    try {
      await Promise.all(Object.values(t).map((x) => x.started));
    } catch (err) {
      await Promise.allSettled(Object.values(t).map((x) => x.stop()));
      throw err;
    }
    const [cmd, ...args] = inCgroup(cg.path, ["dd", `if=${FILE}`, "of=/dev/null", "bs=1M", "status=none"]);
    const dd = spawnSync(cmd, args);
    assert.equal(dd.status, 0, String(dd.stderr));
    const pid = dd.pid;
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    // bpftrace 0.17 was once killed by a signal at its exit on a clean CI machine: what it
    // printed before is still compared, and the run says so.
    const res = await stopAll(t, { anyExit: ["bt"] });

    const mine = res.json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JsonReclaim)
      .filter((e) => e.pid === pid);
    const bt = [...res.bt.out.matchAll(/^R (\d+) (\d+)$/gm)]
      .map((m) => [Number(m[1]), Number(m[2])])
      .filter(([tid]) => tid === pid);
    assert.ok(mine.length >= 10, `only ${mine.length} reclaims: 64 MiB through 16 MiB should need many`);
    if (res.bt.code === 0)
      assert.deepEqual(
        mine.map((e) => [e.tid, e.pages]),
        bt,
        "the same reclaims as bpftrace, in order",
      );
    else {
      tc.diagnostic(
        `bpftrace exited with ${res.bt.code} (${res.bt.err.trim()}): compared the ${bt.length} reclaims it printed`,
      );
      assert.deepEqual(
        mine.slice(0, bt.length).map((e) => [e.tid, e.pages]),
        bt,
        "the reclaims bpftrace printed, in order",
      );
    }
    assert.ok(mine.every((e) => e.kind === "memcg" && e.comm === "dd" && e.lat_ms > 0));
    // Text: libbpf-tools' layout, the same number of dd's lines.
    const ddLines = res.text.out.split("\n").filter((l) => new RegExp(`^\\S+ +dd +${pid} `).test(l));
    assert.equal(ddLines.length, mine.length);
    assert.match(ddLines[0], new RegExp(`^\\d\\d:\\d\\d:\\d\\d dd {15}${pid} +\\d+\\.\\d{3} +\\d+$`));
    assert.equal(res.text.out.split("\n")[1], res.ref.out.split("\n")[1], "the same header");
    // The system's direct reclaim only: libbpf-tools and -G list none of dd's.
    assert.ok(!res.ref.out.split("\n").some((l) => new RegExp(`^\\S+ +dd +${pid} `).test(l)), res.ref.out);
    assert.ok(!res.global.out.includes(`"pid":${pid},`));
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    cg.remove();
    rmSync(FILE, { force: true });
  }
});

test("-G loads the system's direct reclaim programs only; memcg's only where the kernel has them", () => {
  assert.deepEqual(drsnoopPrograms(true, ["mm_vmscan_memcg_reclaim_begin"]), [
    "drsnoop_direct_end",
    "drsnoop_direct_begin",
  ]);
  assert.deepEqual(drsnoopPrograms(false, []), ["drsnoop_direct_end", "drsnoop_direct_begin"]);
  assert.equal(drsnoopPrograms(false, ["mm_vmscan_memcg_reclaim_begin"]).length, 4);
});

test("bad input: one error line and exit 2", async () => {
  await assertBadInput("drsnoop", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["-d", "0"], /^tsnap: -d must be more than 0 seconds, got 0\n$/],
    [["-e"], /^tsnap: unknown option '-e'/],
  ]);
});
