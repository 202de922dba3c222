// scripts/setup.sh says what it will install, and why, before apt-get runs, and
// TSNAP_NO_BPF=1 (or --no-bpf) leaves out the eBPF build prerequisites and the build.
// apt-get and dpkg-query are stand-ins on PATH that record their calls: a test must not
// install packages on the machine it runs on.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../testkit/workloads.js";

function runSetup(args: string[], env: Record<string, string> = {}) {
  const bin = mkdtempSync(join(tmpdir(), "tsnap-setup-"));
  const log = join(bin, "calls");
  // dpkg-query: nothing is installed. apt-get and sudo: log the call (after what stderr said).
  writeFileSync(join(bin, "dpkg-query"), "#!/bin/sh\nexit 1\n");
  writeFileSync(join(bin, "apt-get"), `#!/bin/sh\necho "apt-get $*" >> ${log}\necho "[apt-get $1]" >&2\n`);
  writeFileSync(join(bin, "sudo"), '#!/bin/sh\nexec "$@"\n');
  for (const f of ["dpkg-query", "apt-get", "sudo"]) chmodSync(join(bin, f), 0o755);
  const r = spawnSync("bash", [join(REPO_ROOT, "scripts", "setup.sh"), ...args], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
    encoding: "utf8",
  });
  let calls = "";
  try {
    calls = readFileSync(log, "utf8");
  } catch {
    // apt-get never ran
  }
  rmSync(bin, { recursive: true, force: true });
  return { code: r.status, stderr: r.stderr, calls };
}

test("setup.sh names the packages, why, and how to skip the eBPF ones, before apt-get runs", () => {
  const r = runSetup(["--quiet", "--tests"], { TSNAP_NO_BPF: "0" });
  assert.equal(r.code, 0, r.stderr);
  const first = r.stderr.indexOf("[apt-get");
  const said = r.stderr.slice(0, first);
  assert.ok(first > 0, r.stderr);
  assert.match(said, /about to install Debian packages/);
  assert.match(
    said,
    /for the eBPF source \(compiler, libbpf, bpftool\): clang-19 llvm-19 libbpf-dev libbpf1 bpftool/,
  );
  assert.match(said, /for the tests and benchmarks: gcc g\+\+ libc6-dev fio stress-ng procps/);
  assert.match(said, /scripts\/setup\.sh --no-bpf \(proc source only\)/);
  assert.match(r.calls, /apt-get install .*clang-19.*fio/);
});

test("TSNAP_NO_BPF=1: no eBPF packages, no eBPF build; without --tests nothing to install", () => {
  const r = runSetup(["--tests"], { TSNAP_NO_BPF: "1" });
  assert.equal(r.code, 0, r.stderr);
  // libbpf-tools is a test package (the reference biolatency/runqlat), not the eBPF build's.
  assert.doesNotMatch(r.calls, /clang|libbpf-dev|libbpf1|bpftool/);
  assert.match(r.calls, /apt-get install .*gcc/);
  assert.match(r.stderr, /eBPF build skipped/);
  const user = runSetup([], { TSNAP_NO_BPF: "1" });
  assert.equal(user.code, 0, user.stderr);
  assert.equal(user.calls, "", "a proc-only ./tsnap installs no Debian package");
});
