// The packages against the clone path: release build time, package and installed sizes,
// install time (npm install -g without network; dpkg -i when root and no tsnap package is
// installed, then purged), and the time from `tsnap top` to its first sample
// (`top -d 0.05 --source bpf`: start-up, object load, one round, print) for the installed
// package and for the clone's `./tsnap` (which checks set-up at every run). Min / median of
// REPS runs each. A fresh clone's first run (npm install + tsc + BPF compile, with the
// compiler packages already installed) is `git clone ... && time ./tsnap top -d 1`.
// Run (root): flock /tmp/tsnap-cpu.lock node dist/bench/release-install.js [REPS]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../src/testkit/workloads.js";

const REPS = Number(process.argv[2] ?? 5);
const tmp = mkdtempSync(join(tmpdir(), "tsnap-bench-release-"));

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0].toFixed(2)} s, median ${s[Math.floor(s.length / 2)].toFixed(2)} s (${s.length} runs)`;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const du = (path: string) => Number(execFileSync("du", ["-sb", path], { encoding: "utf8" }).split("\t")[0]);

try {
  const builds: number[] = [];
  let tgz = "";
  let deb = "";
  for (let i = 0; i < 2; i++) {
    const out = join(tmp, `out${i}`);
    const t0 = process.hrtime.bigint();
    const lines = execFileSync("bash", [join(REPO_ROOT, "scripts/release.sh"), out], { encoding: "utf8" });
    builds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    [tgz, deb] = lines.trim().split("\n").slice(-2);
  }
  console.log(`release build (scripts/release.sh, dist/ and build/bpf/ up to date): ${stats(builds)}`);
  console.log(`npm tarball: ${mb(statSync(tgz).size)}; .deb: ${mb(statSync(deb).size)}`);

  const installs: number[] = [];
  let prefix = "";
  for (let i = 0; i < Math.min(REPS, 3); i++) {
    prefix = join(tmp, `prefix${i}`);
    const args = [
      "install",
      "-g",
      "--prefix",
      prefix,
      "--cache",
      join(tmp, `cache${i}`),
      "--no-audit",
      "--no-fund",
    ];
    installs.push(timed("unshare", ["-n", "npm", ...args, tgz]));
  }
  console.log(`npm install -g of the tarball, no network: ${stats(installs)}; installed ${mb(du(prefix))}`);

  const installed = spawnSync("dpkg-query", ["-W", "tsnap"]).status === 0;
  if (process.getuid?.() === 0 && !installed) {
    const dpkg: number[] = [];
    for (let i = 0; i < Math.min(REPS, 3); i++) {
      dpkg.push(timed("dpkg", ["-i", deb]));
      if (i === 0) console.log(`.deb installed: ${mb(du("/usr/lib/tsnap"))} in /usr/lib/tsnap`);
      timed("dpkg", ["--purge", "tsnap"]);
    }
    console.log(`dpkg -i of the .deb: ${stats(dpkg)}`);
  } else console.log("dpkg -i: skipped (needs root and no tsnap package installed)");

  const nodeDir = join(tmp, "node-only");
  mkdirSync(nodeDir);
  symlinkSync(process.execPath, join(nodeDir, "node"));
  const stripped = { ...process.env, PATH: `${nodeDir}:${join(prefix, "bin")}` };
  const top = ["top", "-d", "0.05", "--source", "bpf"];
  const pkg: number[] = [];
  const clone: number[] = [];
  for (let i = 0; i < REPS; i++) {
    pkg.push(timed(join(prefix, "bin/tsnap"), top, stripped));
    clone.push(timed(join(REPO_ROOT, "tsnap"), top));
  }
  console.log(`first sample, installed package (no clang/bpftool on PATH): ${stats(pkg)}`);
  console.log(`first sample, clone ./tsnap (set-up check included): ${stats(clone)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
