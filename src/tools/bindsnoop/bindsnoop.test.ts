// tsnap bindsnoop against bind() calls whose outcome the workload knows
// (test/workloads/bind-calls.c, in a network namespace of its own: TCP and UDP, IPv4 and
// IPv6, each of bcc's five options, a device binding, a port the kernel picks, one bind
// that fails with EADDRINUSE); the bound ports are what getsockname() returned to it.
// libbpf-tools' bindsnoop does not load here (kprobes), so no run beside it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/bindsnoop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/bindsnoop.bpf.o not built (scripts/setup.sh)" : false;
const PORT = 37000;
// The options bind-calls.c sets on binds 0..7 (bcc's F T N R r), its addresses.
const OPTS = ["...R.", "....r", "F....", ".T...", "..N..", ".....", ".....", "....."];
const ADDRS = ["127.0.0.1", "0.0.0.0", "::1", "127.0.0.1", "127.0.0.1", "::1", "0.0.0.0", "127.0.0.1"];
const FAILED = 6;

interface JsonBind {
  pid: number;
  comm: string;
  ret: number;
  proto: string;
  ip: number;
  opts: string;
  if: number;
  port: number;
  addr: string;
}

interface Bind {
  ret: number;
  port: number;
  ip: number;
  proto: string;
  ifindex: number;
}

async function bindCalls(): Promise<{ pid: number; binds: Bind[] }> {
  const { stdout } = await promisify(execFile)(compileWorkload("bind-calls"), [String(PORT)], {
    timeout: 30_000,
  });
  let pid = 0;
  const binds: Bind[] = [];
  for (const l of stdout.split("\n")) {
    const f = l.split(" ");
    if (f[0] === "pid") pid = Number(f[1]);
    if (f[0] === "bind")
      binds[Number(f[1])] = {
        ret: Number(f[2]),
        port: Number(f[3]),
        ip: Number(f[4]),
        proto: f[5],
        ifindex: Number(f[6]),
      };
  }
  assert.equal(binds.length, OPTS.length, stdout);
  return { pid, binds };
}

test("each bind() of the workload with its return, protocol, options, device, port and address; -x -P -p -t", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["bindsnoop", "--json"]),
    failed: ours(["bindsnoop", "--json", "-x"]),
    text: ours(["bindsnoop", "-t", "-x"], "ADDR"),
    ports: ours(["bindsnoop", "--json", "-P", `${PORT + 1},${PORT + 5}`]),
    otherPid: ours(["bindsnoop", "--json", "-p", String(process.pid)]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const run = await bindCalls();
  await new Promise((r) => setTimeout(r, 300));
  const res = await stopAll(t);
  const mine = (out: string) => parseNdjson<JsonBind>(out).filter((e) => e.pid === run.pid);
  assert.equal(run.binds[FAILED].ret, -98, "the workload's bind 6 failed with EADDRINUSE");
  const all = mine(res.failed.out);
  assert.equal(all.length, run.binds.length, "-x: one record per bind()");
  all.forEach((e, i) => {
    const b = run.binds[i];
    assert.deepEqual(
      { ret: e.ret, port: e.port, ip: e.ip, proto: e.proto, if: e.if, opts: e.opts, addr: e.addr },
      { ret: b.ret, port: b.port, ip: b.ip, proto: b.proto, if: b.ifindex, opts: OPTS[i], addr: ADDRS[i] },
      `bind ${i}`,
    );
  });
  assert.ok(
    run.binds[7].port > 0 && run.binds[4].port === 0,
    "picked port; none with IP_BIND_ADDRESS_NO_PORT",
  );
  // Without -x the failed one is left out.
  assert.deepEqual(
    mine(res.json.out).map((e) => e.port),
    run.binds.filter((b) => b.ret === 0).map((b) => b.port),
  );
  assert.deepEqual(
    mine(res.ports.out).map((e) => e.port),
    [PORT + 1, PORT + 5],
  );
  assert.equal(mine(res.otherPid.out).length, 0);
  // Text: libbpf-tools' layout with -t (HH:MM:SS).
  assert.match(res.text.out, /^TIME\(s\) {2}PID {5}COMM {13}RET PROTO OPTS {2}IF {3}PORT {2}ADDR +\n/m);
  const lines = res.text.out
    .split("\n")
    .filter((l) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${run.pid} `).test(l));
  assert.equal(lines.length, run.binds.length);
  assert.match(
    lines[FAILED],
    new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d ${run.pid} +bind-calls\\S* +-98 TCP {3}\\.{5} 0 {4}0 {5}0\\.0\\.0\\.0 *$`,
    ),
  );
  assert.match(
    lines[5],
    new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d ${run.pid} +bind-calls\\S* +0 {3}UDP {3}\\.{5} 1 {4}${PORT + 5} ::1 *$`,
    ),
  );
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("bindsnoop", [
    [["-P", "0"], /^tsnap: -P must be ports from 1 to 65535 separated by commas, got '0'\n$/],
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
