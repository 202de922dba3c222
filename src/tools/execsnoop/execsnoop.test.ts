// tsnap execsnoop against a workload that makes a known set of execs (test/workloads/
// exec-storm.c: N that succeed with known arguments, N that fail with ENOENT) and side by
// side with libbpf-tools' execsnoop tracing the same run: the same lines, character for
// character. Several tracers run at once on one run of the workload.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/execsnoop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/execsnoop.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("execsnoop") ? false : "libbpf-tools execsnoop not installed (setup.sh --tests)");
const N = 200;

interface JsonExec {
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  ret: number;
  args: string[];
  truncated: boolean;
}

test("one run, seven tracers: every exec of the workload, the same lines as libbpf-tools' execsnoop", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const tag = `tsnap-exec-${process.pid}`;
  const t = {
    text: ours(["execsnoop", "-x"], "ARGS\n"),
    ref: theirs("execsnoop", ["-x"], "ARGS\n"),
    json: ours(["execsnoop", "-x", "--json"], "Ctrl-C to end."),
    name: ours(["execsnoop", "-n", "true"], "ARGS\n"),
    line: ours(["execsnoop", "-l", tag, "-q", "-t", "-U"], "ARGS\n"),
    nobody: ours(["execsnoop", "-x", "-u", "65534", "--json"], "Ctrl-C to end."),
    short: ours(["execsnoop", "--max-args", "3", "-l", tag], "ARGS\n"),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const bin = compileWorkload("exec-storm");
  const { stdout } = await promisify(execFile)(bin, [String(N), tag]);
  assert.equal(stdout.trim(), `done ${N} ${N}`);
  await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
  const res = await stopAll(t);
  // The workload's children's execs (not the exec of the workload itself, also given TAG).
  const mine = (out: string) =>
    out.split("\n").filter((l) => l.includes(` ${tag} `) && !l.includes("/tsnap-workloads/"));

  // JSON: exactly the workload's execs, with their arguments and results.
  const execs = res.json.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as JsonExec)
    .filter((e) => e.args[1] === tag);
  const good = execs.filter((e) => e.ret === 0);
  const bad = execs.filter((e) => e.ret !== 0);
  assert.equal(good.length, N);
  assert.equal(bad.length, N);
  assert.deepEqual(
    good.map((e) => e.args),
    Array.from({ length: N }, (_, i) => ["/bin/true", tag, String(i), "a b"]),
  );
  assert.ok(good.every((e) => e.comm === "true" && e.uid === 0 && !e.truncated));
  assert.ok(
    bad.every((e) => e.ret === -2 && e.args[0] === `/nonexistent/${tag}` && e.comm.startsWith("exec-storm")),
  );
  const parents = new Set(execs.map((e) => e.ppid));
  assert.equal(parents.size, 1, "every exec's parent is the workload");
  assert.equal(new Set(execs.map((e) => e.pid)).size, 2 * N, "one child per exec");

  // Text: the same 2N lines as libbpf-tools', character for character (theirs come
  // through per-CPU perf buffers, so their order may differ).
  const lines = mine(res.text.out);
  assert.equal(lines.length, 2 * N);
  assert.deepEqual([...lines].sort(), mine(res.ref.out).sort());
  assert.match(res.text.out, /^PCOMM {12}PID {4}PPID {3}RET ARGS\n/);
  assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);

  // -n true: the successful ones only (no -x), each a "true".
  const named = res.name.out.split("\n").slice(1, -1);
  assert.ok(
    named.every((l) => l.startsWith("true ")),
    named.join("\n"),
  );
  assert.equal(mine(res.name.out).length, N);
  // -l TAG -q -t -U: the N successes, quoted, with seconds and uid columns.
  const quoted = res.line.out
    .split("\n")
    .slice(1, -1)
    .filter((l) => !l.includes("/tsnap-workloads/"));
  assert.equal(quoted.length, N, res.line.out);
  assert.match(res.line.out, /^TIME\(s\) {2}UID {4}PCOMM/);
  assert.match(
    quoted[7],
    new RegExp(`^\\d+\\.\\d{3} +0 +true +\\d+ +\\d+ +0 "/bin/true" "${tag}" "7" "a b" $`),
  );
  const secs = quoted.map((l) => Number(l.split(" ")[0]));
  assert.ok(
    secs.every((s, i) => i === 0 || s >= secs[i - 1]),
    "TIME(s) never goes back",
  );
  // -u 65534: none of root's execs.
  assert.equal(res.nobody.out.includes(tag), false);
  // --max-args 3: the path and two arguments, then " ..." (as libbpf-tools).
  assert.match(mine(res.short.out)[0], new RegExp(`^true +\\d+ +\\d+ +0 /bin/true ${tag} 0  \\.\\.\\.$`));
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("execsnoop", [
    [["-u", "x"], /^tsnap: -u must be a decimal number, got 'x'\n$/],
    [["--max-args", "0"], /^tsnap: --max-args must be at least 1, got 0\n$/],
    [["--max-args", "61"], /^tsnap: --max-args must be at most 60, got 61\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
