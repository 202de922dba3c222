// tsnap bashreadline against an interactive bash fed known command lines through a
// pseudo-terminal (script(1): bash calls readline() only when interactive on a terminal),
// with libbpf-tools' bashreadline on the same run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, libbpfTool, ours, parseNdjson, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { runCli, TSNAP_BIN } from "../../testkit/cli.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/bashreadline.bpf.o`);
const hasScript = spawnSync("script", ["--version"]).status === 0;
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/bashreadline.bpf.o not built (scripts/setup.sh)"
    : !existsSync("/bin/bash") || !hasScript
      ? "needs /bin/bash and script(1) (util-linux)"
      : false;

const COMMANDS = [
  "echo tsnap-bashreadline-1",
  "true  two   spaces",
  ": 'quoted; $(not run)'",
  "ls /nonexistent-tsnap",
  "exit",
];

test("every line typed into an interactive bash, in order, with the shell's pid; as libbpf-tools lists them", {
  skip,
  timeout: 60_000,
}, async (t) => {
  const handles = liveCount();
  const tracers = {
    json: ours(["bashreadline", "--json"]),
    text: ours(["bashreadline"]),
  };
  await Promise.all(Object.values(tracers).map((x) => x.started));
  const ref = libbpfTool("bashreadline") ? theirs("bashreadline", [], "COMMAND") : undefined;
  const refRunning = ref ? await ref.started.then(() => true).catch(() => false) : false;
  if (refRunning) await new Promise((r) => setTimeout(r, 200)); // its uprobe is attached after the header
  const sh = spawnSync(
    "script",
    ["-qc", "bash --norc --noprofile -i -c 'echo pid=$$; exec bash --norc --noprofile -i'", "/dev/null"],
    { input: `${COMMANDS.join("\n")}\n`, encoding: "utf8", timeout: 20_000 },
  );
  const pid = /pid=(\d+)/.exec(sh.stdout)?.[1];
  assert.ok(pid, sh.stdout);
  await new Promise((r) => setTimeout(r, 300));
  const res = await stopAll(tracers);

  const lines = parseNdjson<{ pid: number; command: string }>(res.json.out).filter(
    (l) => l.pid === Number(pid),
  );
  assert.deepEqual(
    lines.map((l) => l.command),
    COMMANDS,
  );
  const rows = res.text.out.split("\n").filter((l) => l.split(/ +/)[1] === pid);
  assert.deepEqual(
    rows.map((l) => l.slice(18)),
    COMMANDS,
  );
  assert.ok(
    rows.every((r) => /^\d\d:\d\d:\d\d {2}\d+ +/.test(r)),
    rows.join("\n"),
  );
  assert.match(res.text.out, /^TIME {6}PID {5}COMMAND\n/);
  if (ref && refRunning) {
    const theirRows = (await ref.stop()).out.split("\n").filter((l) => l.split(/ +/)[1] === pid);
    assert.deepEqual(
      theirRows.map((l) => l.slice(18)),
      COMMANDS,
      "libbpf-tools bashreadline",
    );
  } else {
    await ref?.stop();
    t.diagnostic("libbpf-tools bashreadline not installed or did not load: not compared");
  }
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2 (1 for a library without readline); as a non-root user: one line and exit 1", async () => {
  const r = await runCli(["bashreadline", "extra"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "tsnap: unexpected argument 'extra'\n");
  if (!root) return;
  const lib = await runCli(["bashreadline", "-s", "/bin/true", "-d", "1"]);
  assert.equal(lib.code, 1);
  assert.match(lib.stderr, /^tsnap: no function matches 'readline' in \/\S+true\n$/);
  const none = await runCli(["bashreadline", "-s", "/no/such/lib.so", "-d", "1"]);
  assert.equal(none.code, 1);
  assert.equal(none.stderr.split("\n").length, 2, none.stderr);
  assertNeedsRoot("bashreadline", TSNAP_BIN);
});
