// The release build as a user meets it: scripts/release.sh builds the npm tarball and the
// .deb in a temp dir; the tarball is installed with `npm install -g --prefix` in a network
// namespace (no network), the .deb extracted and installed with dpkg (then purged), and the
// installed tsnap runs with a PATH that holds only node and tsnap (no clang, bpftool, cc).
// Truths: a spinner this test starts (one thread always on or queued for a CPU), the
// registry's commands, the repo's package.json, each command's own --help text.
// test-lane: together
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { COMMANDS } from "../cli/registry.js";
import { runCli } from "../testkit/cli.js";
import { startTmux, TMUX_MISSING } from "../testkit/tmux.js";
import { compileWorkload, REPO_ROOT, type RunningWorkload, startWorkload } from "../testkit/workloads.js";
import { INDEX_HTML } from "../tools/serve/web/page.js";
import { RUNTIME_NODE } from "./package-files.js";

const root = process.getuid?.() === 0;
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const skip = !has("dpkg-deb") ? "dpkg-deb is not installed (Debian's dpkg)" : false;
const skipRoot = skip || (!root ? "needs root (bpf source, dpkg -i)" : false);
const DEMO = join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo");
/** Debian's own nodejs, unpacked by scripts/debian-node.sh (setup.sh --tests). */
const DEBIAN_NODE = join(REPO_ROOT, "build/debian-node/bin/node");
const repoPkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
const version: string = repoPkg.version;
const pageNames = ["tsnap", ...COMMANDS.map((c) => `tsnap-${c.name}`)];
// A command's --help, asked once of main() in-process (the same text bin/tsnap.js prints:
// checked once by hand for every command); 70 node start-ups per test cost half a minute.
const helps = new Map<string, Promise<string>>();
const helpOf = (name: string): Promise<string> => {
  if (!helps.has(name))
    helps.set(
      name,
      runCli([name, "--help"]).then((r) => r.stdout),
    );
  return helps.get(name)!;
};

let tmp = "";
let tgz = "";
let deb = "";
let prefix = "";
/** PATH with node and the installed tsnap only. */
let strippedPath = "";

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, timeout: timeoutMs, maxBuffer: 1 << 24 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** run() without blocking the event loop (several at once). */
function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((res) =>
    execFile(
      cmd,
      args,
      { encoding: "utf8", env, timeout: 120_000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) =>
        res({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

/** What a --help says of one flag: its line and the lines that continue it (wrapped). */
function flagHelpText(help: string, flag: string): string {
  const lines = help.split("\n");
  const i = lines.findIndex((l) => new RegExp(`^\\s+(-\\w, )?${flag}[ =]`).test(l));
  if (i < 0) return "";
  const more = lines.slice(i + 1).findIndex((l) => !/^\s{8,}\S/.test(l));
  return lines.slice(i, more < 0 ? undefined : i + 1 + more).join(" ");
}

/** The installed tsnap (`bin`), with the stripped PATH. */
function tsnap(bin: string, args: string[]) {
  return run(bin, args, { ...process.env, PATH: strippedPath });
}

before(() => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), "tsnap-release-"));
  const r = run("bash", [join(REPO_ROOT, "scripts/release.sh"), join(tmp, "out")]);
  assert.equal(r.code, 0, `release.sh failed:\n${r.stderr}`);
  [tgz, deb] = r.stdout.trim().split("\n").slice(-2);
  assert.equal(tgz, join(tmp, "out", `tsnap-${version}.tgz`));
  assert.match(deb, new RegExp(`/tsnap_${version.replace(/\./g, "\\.")}_\\w+\\.deb$`));
  const nodeDir = join(tmp, "node-only");
  mkdirSync(nodeDir);
  symlinkSync(process.execPath, join(nodeDir, "node"));
  prefix = join(tmp, "prefix");
  strippedPath = `${nodeDir}:${join(prefix, "bin")}`;
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Entries of a package listing that are not what runs (tests, sources, dev tools). */
function notRuntime(paths: string[]): string[] {
  const dev = Object.keys(repoPkg.devDependencies ?? {});
  return paths.filter(
    (p) =>
      /\.test\.js$|\.ts$|\.bpf\.c$|\.js\.map$|vmlinux\.h$|-test\.bpf\.o$|(^|\/)test\/|\/testkit\/|\/release\/|\/src\/[^/]+\.ts/.test(
        p.replace(/.*node_modules\/.*/, ""),
      ) || dev.some((d) => p.includes(`node_modules/${d}/`)),
  );
}

test("npm tarball: what runs, the man pages and completions; no tests, sources or dev tools", {
  skip,
}, () => {
  const files = execFileSync("tar", ["-tzf", tgz], { encoding: "utf8", maxBuffer: 1 << 24 })
    .trim()
    .split("\n")
    .map((f) => f.replace(/^package\//, ""));
  assert.deepEqual(notRuntime(files), []);
  for (const f of [
    "bin/tsnap.js",
    "dist/src/cli/main.js",
    "build/bpf/sampler.bpf.o",
    "build/bpf/probes.bpf.o",
    "release.json",
    "completions/tsnap.bash",
    "completions/_tsnap",
    "packaging/systemd/tsnap-capture.service",
    "node_modules/koffi/package.json",
    "node_modules/@duckdb/node-api/package.json",
    ...pageNames.map((n) => `man/man1/${n}.1`),
  ])
    assert.ok(files.includes(f), `${f} is in the tarball`);
  const pkg = JSON.parse(execFileSync("tar", ["-xzOf", tgz, "package/package.json"], { encoding: "utf8" }));
  assert.deepEqual(pkg.dependencies, repoPkg.dependencies, "runtime dependencies only");
  assert.equal(pkg.devDependencies, undefined);
  assert.equal(pkg.scripts, undefined);
});

test("npm install -g of the tarball without network; tsnap runs the bpf source with no clang/bpftool/cc on PATH", {
  skip: skipRoot,
}, async () => {
  const netless = has("unshare") && run("unshare", ["-n", "true"]).code === 0;
  const npmArgs = [
    "install",
    "-g",
    "--prefix",
    prefix,
    "--cache",
    join(tmp, "npm-cache"),
    "--no-audit",
    "--no-fund",
  ];
  const npm = netless
    ? run("unshare", ["-n", "npm", ...npmArgs, tgz])
    : run("npm", [...npmArgs, "--offline", tgz]);
  assert.equal(npm.code, 0, npm.stderr);
  const bin = join(prefix, "bin", "tsnap");
  for (const tool of ["clang", "clang-19", "bpftool", "cc"])
    assert.notEqual(
      run("bash", ["-c", `command -v ${tool}`], { PATH: strippedPath }).code,
      0,
      `${tool} on PATH`,
    );
  const v = tsnap(bin, ["--version"]);
  assert.match(
    v.stdout,
    new RegExp(`^tsnap ${version.replace(/\./g, "\\.")} \\(commit \\w+.*BPF objects: prebuilt`),
  );
  await checkTopBpf(bin);
  const doctor = tsnap(bin, ["doctor", "--format", "json"]);
  assert.equal(doctor.code, 0, doctor.stderr);
  const checks = JSON.parse(doctor.stdout).system as { name: string; ok: boolean }[];
  assert.ok(checks.find((c) => c.name === "bpf objects")?.ok, "doctor finds the packaged objects");
  // A missing object: one line that says to reinstall, exit 1, no stack.
  const obj = join(prefix, "lib/node_modules/tsnap/build/bpf/sampler.bpf.o");
  renameSync(obj, `${obj}.away`);
  try {
    const r = tsnap(bin, ["top", "-d", "1", "--source", "bpf"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^tsnap: .*sampler\.bpf\.o is missing: .*reinstall the tsnap package/);
  } finally {
    renameSync(`${obj}.away`, obj);
  }
});

/** `tsnap top -d 1 --format json` through the bpf source: the spinner is on or queued for a CPU all the time. */
async function checkTopBpf(bin: string, path = strippedPath): Promise<void> {
  let spin: RunningWorkload | undefined;
  try {
    spin = await startWorkload(compileWorkload("spin"), ["1", "20"]);
    const pid = spin.child.pid!;
    const r = run(
      bin,
      ["top", "-d", "1", "--format", "json", "--source", "bpf", "-p", String(pid), "-g", "pid,state"],
      { ...process.env, PATH: path },
    );
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { pid: number; state: string; avg_threads: number }[];
    assert.ok(rows.length > 0, "rows from the bpf source");
    const busy = rows.filter((x) => x.pid === pid && (x.state === "RUN" || x.state === "RUNQ"));
    const sum = busy.reduce((s, x) => s + x.avg_threads, 0);
    assert.ok(Math.abs(sum - 1) <= 0.15, `spinner RUN+RUNQ ${sum}, expected 1 ± 0.15 (${r.stdout})`);
  } finally {
    await spin?.stop();
  }
}

test("installed tsnap serve gives the page and its scripts (every file it reads is in the package)", {
  skip: skipRoot || (!existsSync(DEMO) && `no demo data at ${DEMO}`),
}, async () => {
  const bin = join(prefix, "bin", "tsnap");
  if (!existsSync(bin)) return assert.fail("the npm install test did not install tsnap");
  const child = spawn(bin, ["serve", DEMO, "--port", "0"], {
    env: { ...process.env, PATH: strippedPath },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const url = await new Promise<string>((res, rej) => {
      let out = "";
      const timer = setTimeout(() => rej(new Error(`no URL from serve: ${out}`)), 30_000);
      child.stdout.on("data", (d) => {
        out += d;
        const m = /http:\/\/\S+/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[0]);
        }
      });
      child.once("exit", (code) => rej(new Error(`serve exited ${code}: ${out}`)));
    });
    const page = await (await fetch(url)).text();
    assert.equal(page, INDEX_HTML);
    for (const script of [...page.matchAll(/src="\/?([\w./-]+\.js)"/g)].map((m) => m[1])) {
      const r = await fetch(new URL(script, url));
      assert.equal(r.status, 200, `${script} is served`);
    }
  } finally {
    child.kill("SIGTERM");
  }
});

test("installed tsnap query reads the xcapture demo as the clone does", {
  skip: skipRoot || (!existsSync(DEMO) && `no demo data at ${DEMO}`),
}, () => {
  const bin = join(prefix, "bin", "tsnap");
  if (!existsSync(bin)) return assert.fail("the npm install test did not install tsnap");
  const args = ["query", DEMO, "-g", "state", "--format", "json"];
  const installed = tsnap(bin, args);
  const clone = run(process.execPath, [join(REPO_ROOT, "bin/tsnap.js"), ...args]);
  assert.equal(installed.code, 0, installed.stderr);
  assert.ok(JSON.parse(installed.stdout).rows.length > 0);
  assert.equal(installed.stdout, clone.stdout);
});

test(".deb: contents, modes and control; nothing from tests or sources", { skip }, () => {
  const listing = execFileSync("dpkg-deb", ["-c", deb], { encoding: "utf8", maxBuffer: 1 << 24 })
    .trim()
    .split("\n");
  const paths = listing.map((l) =>
    l
      .split(/\s+/)
      .slice(5)
      .join(" ")
      .replace(/^\.\//, "")
      .replace(/ -> .*/, ""),
  );
  assert.deepEqual(notRuntime(paths), []);
  for (const p of [
    "usr/bin/tsnap",
    "usr/lib/tsnap/bin/tsnap.js",
    "usr/lib/tsnap/build/bpf/sampler.bpf.o",
    "lib/systemd/system/tsnap-capture.service",
    "usr/share/bash-completion/completions/tsnap",
    "usr/share/zsh/vendor-completions/_tsnap",
    "usr/share/doc/tsnap/copyright",
    ...pageNames.map((n) => `usr/share/man/man1/${n}.1.gz`),
  ])
    assert.ok(paths.includes(p), `${p} is in the .deb`);
  const stateDir = listing.find((l) => / \.\/var\/lib\/tsnap\/$/.test(l));
  assert.match(stateDir ?? "", /^drwx------ root\/root /, "/var/lib/tsnap is private");
  assert.ok(!paths.some((p) => p.startsWith("etc/systemd/")), "the unit is not enabled");
  const depends = execFileSync("dpkg-deb", ["-f", deb, "Depends"], { encoding: "utf8" }).trim();
  assert.equal(depends, `nodejs (>= ${RUNTIME_NODE})`);
  const pkg = JSON.parse(execFileSync("tar", ["-xzOf", tgz, "package/package.json"], { encoding: "utf8" }));
  assert.equal(pkg.engines.node, `>=${RUNTIME_NODE}`, "npm's engines say the same");
});

test(".deb on Debian 12's own nodejs (its Depends' oldest): doctor, top with the bpf source, query and check run", {
  skip:
    skipRoot ||
    (!existsSync(DEBIAN_NODE)
      ? `no Debian nodejs at ${DEBIAN_NODE} (scripts/setup.sh --tests unpacks it on Debian as root)`
      : false),
  timeout: 120_000,
}, async () => {
  const nodeVersion = run(DEBIAN_NODE, ["--version"]).stdout.trim();
  assert.match(nodeVersion, /^v\d+\.\d+\.\d+$/);
  assert.notEqual(nodeVersion, process.version, "a Node other than the one running this test");
  // The Depends line admits this nodejs (dpkg's own comparison).
  const v = nodeVersion.slice(1);
  assert.equal(run("dpkg", ["--compare-versions", v, "ge", RUNTIME_NODE]).code, 0, `${v} >= ${RUNTIME_NODE}`);
  const dir = join(tmp, "deb-node18");
  execFileSync("dpkg-deb", ["-x", deb, dir]);
  const bin = join(dir, "usr/bin/tsnap");
  const nodeOnly = join(tmp, "debian-node-only");
  mkdirSync(nodeOnly);
  symlinkSync(DEBIAN_NODE, join(nodeOnly, "node"));
  // PATH: Debian's node only (the .deb's /usr/bin/tsnap starts with `#!/usr/bin/env node`).
  const path = nodeOnly;
  const t = (args: string[]) => run(bin, args, { ...process.env, PATH: path });
  const version = t(["--version"]);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /prebuilt in the package/);
  const doctor = t(["doctor"]);
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.match(doctor.stdout, /ok +bpf objects .*\/usr\/lib\/tsnap\/build\/bpf\//);
  await checkTopBpf(bin, path);
  if (existsSync(DEMO)) {
    const args = ["query", DEMO, "-g", "state", "--format", "json"];
    const old = t(args);
    assert.equal(old.code, 0, old.stderr);
    assert.equal(old.stdout, run(process.execPath, [join(REPO_ROOT, "bin/tsnap.js"), ...args]).stdout);
  }
  const check = t(["check", "-d", "1", "--json", "--source", "proc"]);
  assert.ok(check.code === 0 || check.code === 3, check.stderr);
  assert.ok(JSON.parse(check.stdout).resources.some((r: { name: string }) => r.name === "cpu"));
});

test("lintian (Debian's package checker) finds no error in the .deb", {
  skip: skip || (!has("lintian") ? "lintian is not installed (scripts/setup.sh --tests installs it)" : false),
  timeout: 300_000,
}, () => {
  const r = run("lintian", [deb], process.env, 280_000);
  const errors = r.stdout.split("\n").filter((l) => l.startsWith("E: "));
  assert.deepEqual(errors, [], r.stdout);
  // Exit 0, or 1 only with warnings (lintian's default --fail-on error).
  assert.equal(r.code, 0, `lintian exit ${r.code}: ${r.stderr}${r.stdout}`);
});

test(".deb extracted: tsnap runs the bpf source with the stripped PATH", { skip: skipRoot }, async () => {
  const dir = join(tmp, "deb-x");
  execFileSync("dpkg-deb", ["-x", deb, dir]);
  assert.match(
    readFileSync(join(dir, "lib/systemd/system/tsnap-capture.service"), "utf8"),
    /^ExecStart=\/usr\/bin\/tsnap capture /m,
  );
  await checkTopBpf(join(dir, "usr/bin/tsnap"));
});

test("dpkg -i installs it (unit disabled, /var/lib/tsnap 0700, man pages; doctor, top --source bpf and query with no compiler on PATH); remove keeps the history, purge removes it all", {
  skip:
    skipRoot ||
    (run("dpkg-query", ["-W", "tsnap"]).code === 0 &&
      "a tsnap package is installed on this machine already") ||
    (existsSync("/var/lib/tsnap") && "/var/lib/tsnap exists (purge would delete that history)"),
}, async () => {
  const i = run("dpkg", ["-i", deb]);
  try {
    assert.equal(i.code, 0, i.stderr);
    assert.match(tsnap("/usr/bin/tsnap", ["--version"]).stdout, /BPF objects: prebuilt in the package/);
    assert.equal(statSync("/var/lib/tsnap").mode & 0o777, 0o700);
    assert.ok(!existsSync("/etc/systemd/system/multi-user.target.wants/tsnap-capture.service"));
    if (has("man")) {
      const m = run("man", ["tsnap-top"], { ...process.env, MANPAGER: "cat", MANWIDTH: "100" });
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, /active threads grouped by any columns/);
    }
    const doctor = tsnap("/usr/bin/tsnap", ["doctor", "--format", "json"]);
    assert.equal(doctor.code, 0, doctor.stderr);
    const checks = JSON.parse(doctor.stdout).system as { name: string; ok: boolean; detail: string }[];
    assert.match(
      checks.find((c) => c.name === "bpf objects")?.detail ?? "",
      /^\/usr\/lib\/tsnap\/build\/bpf\/sampler\.bpf\.o/,
    );
    // The installed files themselves, no compiler on PATH: top with the bpf source, and
    // query of the demo hour giving what the clone gives.
    await checkTopBpf("/usr/bin/tsnap");
    if (existsSync(DEMO)) {
      const args = ["query", DEMO, "-g", "state,syscall", "--format", "json"];
      const q = tsnap("/usr/bin/tsnap", args);
      assert.equal(q.code, 0, q.stderr);
      assert.equal(q.stdout, run(process.execPath, [join(REPO_ROOT, "bin/tsnap.js"), ...args]).stdout);
    }
    // What the unit runs, briefly: history lands in /var/lib/tsnap, which remove keeps.
    const cap = tsnap("/usr/bin/tsnap", [
      "capture",
      "-o",
      "/var/lib/tsnap",
      "-d",
      "1",
      "-a",
      "--source",
      "proc",
    ]);
    assert.equal(cap.code, 0, cap.stderr);
    const history = readdirSync("/var/lib/tsnap").filter((f) => f.startsWith("tsnap_samples_"));
    assert.ok(history.length > 0, "capture wrote samples");
    const r = run("dpkg", ["-r", "tsnap"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync("/usr/bin/tsnap") && !existsSync("/usr/lib/tsnap"), "remove removes the files");
    for (const f of history)
      assert.ok(existsSync(join("/var/lib/tsnap", f)), `remove keeps the history (${f})`);
  } finally {
    const p = run("dpkg", ["--purge", "tsnap"]);
    assert.equal(p.code, 0, p.stderr);
  }
  assert.ok(!existsSync("/usr/bin/tsnap") && !existsSync("/usr/lib/tsnap") && !existsSync("/var/lib/tsnap"));
  assert.notEqual(run("dpkg-query", ["-W", "tsnap"]).code, 0, "purged");
});

test("bash completion: complete -p tsnap, the registry's commands, each command's flags as its --help names them", {
  skip: skip || (!has("bash") && "no bash"),
}, async () => {
  const script = join(tmp, "tsnap.bash");
  writeFileSync(script, execFileSync("tar", ["-xzOf", tgz, "package/completions/tsnap.bash"]));
  const complete = (words: string[]) =>
    run("bash", [
      "-c",
      `source "$1"; complete -p tsnap; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tsnap; printf '%s\\n' "\${COMPREPLY[@]}"`,
      "_",
      script,
      ...words,
    ]);
  const first = complete(["tsnap", ""]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^complete -o default -F _tsnap tsnap$/m);
  for (const c of COMMANDS) assert.ok(first.stdout.split("\n").includes(c.name), `completes ${c.name}`);
  assert.deepEqual(complete(["tsnap", "sysc"]).stdout.split("\n").slice(1, -1), ["syscalls", "syscount"]);
  // A flag with a closed set of values completes to them: the values its --help names.
  const topHelp = await helpOf("top");
  const formats = complete(["tsnap", "top", "--format", ""]).stdout.split("\n").slice(1, -1);
  assert.deepEqual(formats, ["table", "json", "ndjson", "csv"]);
  const formatLine = flagHelpText(topHelp, "--format");
  for (const f of formats) assert.ok(formatLine.includes(f), `top --help's --format line names ${f}`);
  assert.deepEqual(complete(["tsnap", "top", "--source", "p"]).stdout.split("\n").slice(1, -1), ["proc"]);
  for (const c of COMMANDS) {
    const help = await helpOf(c.name);
    const flags = complete(["tsnap", c.name, "--"]).stdout.split("\n").slice(1, -1);
    assert.ok(flags.length > 1, `${c.name} has flags`);
    for (const f of flags.filter((x) => x !== "--help"))
      assert.ok(help.includes(f), `${c.name} --help names ${f}`);
  }
});

test("zsh completion: the script parses and compinit registers it for tsnap", {
  skip: skip || (!has("zsh") && "zsh is not installed (scripts/setup.sh --tests installs it)"),
}, () => {
  const dir = join(tmp, "zsh");
  mkdirSync(dir);
  writeFileSync(join(dir, "_tsnap"), execFileSync("tar", ["-xzOf", tgz, "package/completions/_tsnap"]));
  const syntax = run("zsh", ["-n", join(dir, "_tsnap")]);
  assert.equal(syntax.code, 0, syntax.stderr);
  const r = run("zsh", [
    "-f",
    "-c",
    `fpath=(${dir} $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[tsnap]`,
  ]);
  assert.equal(r.stdout.trim(), "_tsnap", r.stderr);
  const text = readFileSync(join(dir, "_tsnap"), "utf8");
  for (const c of COMMANDS)
    assert.match(text, new RegExp(`^    ${c.name}\\)$`, "m"), `zsh: a case for ${c.name}`);
});

test("zsh completion in a terminal: <Tab> lists the commands, a command's flags with their help, a closed set of values", {
  skip:
    skip ||
    (!has("zsh") ? "zsh is not installed (scripts/setup.sh --tests installs it)" : false) ||
    TMUX_MISSING,
  timeout: 60_000,
}, async () => {
  const dir = join(tmp, "zsh-tab");
  mkdirSync(dir);
  writeFileSync(join(dir, "_tsnap"), execFileSync("tar", ["-xzOf", tgz, "package/completions/_tsnap"]));
  // Tall enough for every command on its own line (zsh lists them one a line with their
  // summaries; 70 commands overflowed 60 rows), and no "see all N possibilities?" question.
  const pane = startTmux("zsh -f", { width: 200, height: COMMANDS.length + 30, env: { HOME: dir } });
  try {
    const prompt = "ZP>";
    pane.send(
      [`fpath=(${dir} $fpath); autoload -U compinit; compinit -u -D; LISTMAX=0; PS1='${prompt} '; clear`],
      true,
    );
    pane.send(["Enter"]);
    await pane.waitFor((t) => t.trim() === prompt, 15_000, "the prompt");
    /** The screen after typing `line` and <Tab> (zsh lists an ambiguous completion below). */
    const tab = async (line: string, want: (t: string) => boolean, what: string) => {
      pane.send([line], true);
      pane.send(["Tab"]);
      const text = await pane.waitFor(want, 10_000, what);
      pane.send(["C-c"]);
      pane.send(["clear", "Enter"], false);
      await pane.waitFor((t) => t.trim() === prompt, 10_000, "the prompt after clear");
      return text;
    };
    const words = (t: string) => new Set(t.split(/\s+/));
    // The commands: every one of the registry, with its summary.
    const all = await tab(
      "tsnap ",
      (t) => COMMANDS.every((c) => words(t).has(c.name)),
      "every command listed",
    );
    for (const c of COMMANDS.slice(0, 3))
      assert.ok(all.includes(c.summary.slice(0, 30)), `${c.name}'s summary`);
    // Two commands begin with "sysc": both listed, nothing else.
    const sysc = await tab(
      "tsnap sysc",
      (t) => words(t).has("syscalls") && words(t).has("syscount"),
      "sysc*",
    );
    assert.ok(!words(sysc).has("top"), sysc);
    // A command's flags, as its --help names them.
    const help = await helpOf("check");
    const flags = await tab(
      "tsnap check --",
      (t) => ["--duration", "--interval", "--json"].every((f) => words(t).has(f)),
      "check's flags",
    );
    for (const f of flags.match(/--[a-z][\w-]*/g) ?? [])
      assert.ok(help.includes(f), `check --help names ${f}`);
    // A flag with a closed set of values: those values, as --help names them.
    const topHelp = await helpOf("top");
    const formatLine = flagHelpText(topHelp, "--format");
    const formats = await tab(
      "tsnap top --format ",
      (t) => ["table", "json", "ndjson", "csv"].every((v) => words(t).has(v)),
      "--format's values",
    );
    for (const v of ["table", "json", "ndjson", "csv"])
      assert.ok(formatLine.includes(v), `top --help names ${v}`);
    const listed = formats.split("\n").slice(1).join(" ").trim().split(/\s+/);
    assert.deepEqual(listed.sort(), ["csv", "json", "ndjson", "table"], "its values, not file names");
    // One value left: completed on the line.
    pane.send(["tsnap top --source pr"], true);
    pane.send(["Tab"]);
    await pane.waitFor(
      (t) => t.includes(`${prompt} tsnap top --source proc`),
      10_000,
      "--source pr<Tab> → proc",
    );
  } finally {
    pane.kill();
  }
});

test("man -l renders every page: NAME with the registry's summary, the help's first example, no groff warnings", {
  skip: skip || (!has("man") || !has("groff") ? "man-db/groff are not installed" : false),
}, async () => {
  const dir = join(tmp, "man-x");
  mkdirSync(dir);
  execFileSync("tar", ["-xzf", tgz, "-C", dir, "package/man"]);
  // Two pages at a time (two cores): man and groff are separate processes.
  const pending = [...pageNames];
  const one = async (name: string) => {
    const page = join(dir, "package/man/man1", `${name}.1`);
    const r = await runAsync("man", ["-l", page], { ...process.env, MANPAGER: "cat", MANWIDTH: "120" });
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const c = COMMANDS.find((x) => `tsnap-${x.name}` === name);
    if (c) assert.ok(r.stdout.replace(/\s+/g, " ").includes(`${name} - ${c.summary}`), `${name} NAME line`);
    const help = c ? await helpOf(c.name) : "";
    const example = help.split("\nEXAMPLES\n")[1]?.split("\n")[0].trim() ?? "";
    assert.match(r.stdout, /\nEXAMPLES\n/);
    if (c) assert.ok(r.stdout.includes(example), `${name} shows its first example: ${example}`);
    const warn = await runAsync("groff", ["-man", "-Tutf8", "-ww", "-z", page]);
    assert.equal(warn.stderr, "", `${name}: groff warnings`);
  };
  const worker = async () => {
    for (let name = pending.shift(); name !== undefined; name = pending.shift()) await one(name);
  };
  await Promise.all([worker(), worker()]);
});
