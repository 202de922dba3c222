// The capture directory against a real unprivileged user made by the test: private files
// whatever the umask, a --group that can read, planted symbolic links never followed,
// and unsafe or foreign directories refused with one line.
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runTsnap } from "../testkit/cli.js";
import { createTestGroup, createTestUser } from "../testkit/test-user.js";
import { hourKey } from "./files.js";
import { openAppend, writeFileSafely } from "./safe-fs.js";

const root = process.getuid?.() === 0 ? false : "needs root (useradd, files of another user)";

function mode(path: string): number {
  return lstatSync(path).mode & 0o7777;
}

/** Capture 2 s (proc source, all threads, 5 Hz) with the given umask; returns the CLI result. */
async function capture(args: string[], umask = 0) {
  const old = process.umask(umask);
  try {
    return await runTsnap(["capture", "--source", "proc", "-a", "--hz", "5", "-d", "2", ...args], {
      timeoutMs: 60_000,
    });
  } finally {
    process.umask(old);
  }
}

test("private by default under umask 000: dir 0700, files 0600, another user can neither list nor read", {
  skip: root,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-priv-"));
  chmodSync(base, 0o755);
  const user = createTestUser("tsnapu");
  try {
    // An earlier capture's files, as the old code left them: 0755 directory, 0644 files.
    const old = join(base, "old");
    mkdirSync(old, { mode: 0o755 });
    chmodSync(old, 0o755);
    writeFileSync(join(old, "tsnap_schema.json"), "{}\n", { mode: 0o644 });
    chmodSync(join(old, "tsnap_schema.json"), 0o644);
    for (const dir of [join(base, "new", "cap"), old]) {
      const r = await capture(["-o", dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(mode(dir), 0o700, dir);
      const files = readdirSync(dir);
      assert.ok(
        files.some((f) => f.startsWith("tsnap_samples_")),
        files.join(" "),
      );
      for (const f of files)
        assert.equal(mode(join(dir, f)), 0o600, `${f} mode ${mode(join(dir, f)).toString(8)}`);
      const ls = user.run(["ls", dir]);
      assert.notEqual(ls.status, 0, "the other user lists the directory");
      assert.match(ls.stderr, /Permission denied/);
      const cat = user.run(["cat", join(dir, "tsnap_schema.json")]);
      assert.notEqual(cat.status, 0, "the other user reads a file");
      assert.match(cat.stderr, /Permission denied/);
    }
  } finally {
    user.remove();
    rmSync(base, { recursive: true, force: true });
  }
});

test("--group NAME: dir 0750 and files 0640 of that group; a member reads, a non-member cannot", {
  skip: root,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-grp-"));
  chmodSync(base, 0o755);
  const group = createTestGroup("tsnapg");
  const member = createTestUser("tsnapm", [group.name]);
  const other = createTestUser("tsnapo");
  try {
    const dir = join(base, "cap");
    const r = await capture(["-o", dir, "--group", group.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(mode(dir), 0o2750, "setgid: new files get the group");
    assert.equal(statSync(dir).gid, group.gid);
    for (const f of readdirSync(dir)) {
      assert.equal(mode(join(dir, f)), 0o640, f);
      assert.equal(statSync(join(dir, f)).gid, group.gid, f);
    }
    const samples = readdirSync(dir).find((f) => f.startsWith("tsnap_samples_"))!;
    assert.equal(member.run(["cat", join(dir, samples)]).status, 0, "the member reads");
    assert.notEqual(other.run(["ls", dir]).status, 0, "the non-member lists");
    const bad = await capture(["-o", join(base, "x"), "--group", "no-such-group-tsnap"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^tsnap: --group: no group named 'no-such-group-tsnap'\n$/);
  } finally {
    member.remove();
    other.remove();
    group.remove();
    rmSync(base, { recursive: true, force: true });
  }
});

test("root capture in a directory a user owns, with planted symlinks: refused, nothing outside written", {
  skip: root,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-link-"));
  chmodSync(base, 0o755);
  const secretDir = mkdtempSync(join(tmpdir(), "tsnap-secret-"));
  const user = createTestUser("tsnapl");
  try {
    const secret = join(secretDir, "secret");
    const target = join(secretDir, "rounds-target");
    writeFileSync(secret, "s3cret\n");
    writeFileSync(target, "");
    const dir = join(base, "userdir");
    mkdirSync(dir);
    chownSync(dir, user.uid, user.gid);
    const hour = hourKey(Date.now() * 1000);
    // The user plants the links (as the attacker did).
    assert.equal(user.run(["ln", "-s", secret, join(dir, "partitions")]).status, 0);
    assert.equal(user.run(["ln", "-s", target, join(dir, `tsnap_rounds_${hour}.csv`)]).status, 0);
    const r = await capture(["-o", dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^tsnap: -o ${dir}: owned by uid ${user.uid}, not by the capturing user`),
    );
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    // The same links in a directory root owns (planted before, e.g. by a restore): refused too.
    const rootDir = join(base, "rootdir");
    mkdirSync(rootDir, { mode: 0o700 });
    symlinkSync(secret, join(rootDir, "partitions"));
    const r2 = await capture(["-o", rootDir]);
    assert.equal(r2.code, 1, r2.stderr);
    assert.match(
      r2.stderr,
      /^tsnap: -o .*rootdir: holds 'partitions', a symbolic link: use an empty directory/,
    );
    // A user-writable parent (the user could swap the directory for a link): refused.
    const parent = join(base, "userparent");
    mkdirSync(parent);
    chownSync(parent, user.uid, user.gid);
    const r3 = await capture(["-o", join(parent, "cap")]);
    assert.equal(r3.code, 1, r3.stderr);
    assert.match(r3.stderr, /^tsnap: -o .*userparent\/cap: parent .*userparent is owned by uid \d+/);
    assert.equal(readFileSync(secret, "utf8"), "s3cret\n", "the secret is untouched");
    assert.equal(readFileSync(target, "utf8"), "", "nothing appended to the link's target");
    assert.equal(readlinkSync(join(dir, "partitions")), secret);
  } finally {
    user.remove();
    rmSync(base, { recursive: true, force: true });
    rmSync(secretDir, { recursive: true, force: true });
  }
});

test("unsafe or foreign directories: -o /, /tmp, /etc, a group-writable dir; one line, exit 1", async () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-refuse-"));
  try {
    const gw = join(base, "gw");
    mkdirSync(gw);
    chmodSync(gw, 0o775);
    const foreign = join(base, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine\n");
    for (const [dir, re] of [
      ["/", /^tsnap: -o \/: refusing the root directory/],
      ["/tmp", /^tsnap: -o \/tmp: a shared directory \(mode 1777\)/],
      ["/etc", /^tsnap: -o \/etc: holds '[^']+', which is not a tsnap file/],
      [gw, /^tsnap: -o .*gw: writable by other users \(mode 0775\)/],
      [foreign, /^tsnap: -o .*foreign: holds 'notes.txt', which is not a tsnap file/],
    ] as const) {
      const r = await capture(["-o", dir], 0o022);
      assert.equal(r.code, 1, `${dir}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assert.equal(readFileSync(join(foreign, "notes.txt"), "utf8"), "mine\n");
    assert.deepEqual(readdirSync(foreign), ["notes.txt"]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("safe-fs: opening or replacing a name that is a symlink or a hard link never writes its target", () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-safefs-"));
  try {
    const target = join(base, "target");
    writeFileSync(target, "keep\n");
    const dir = join(base, "cap");
    mkdirSync(dir, { mode: 0o700 });
    symlinkSync(target, join(dir, "tsnap_rounds_2026-01-01.00.csv"));
    assert.throws(() => openAppend(join(dir, "tsnap_rounds_2026-01-01.00.csv"), {}), { code: "ELOOP" });
    linkSync(target, join(dir, "tsnap_samples_2026-01-01.00.csv"));
    assert.throws(() => openAppend(join(dir, "tsnap_samples_2026-01-01.00.csv"), {}), /2 hard links/);
    symlinkSync(target, join(dir, "partitions"));
    writeFileSafely(dir, "partitions", "new\n", {});
    assert.ok(lstatSync(join(dir, "partitions")).isFile(), "the link was replaced by a file");
    assert.equal(readFileSync(join(dir, "partitions"), "utf8"), "new\n");
    assert.equal(mode(join(dir, "partitions")), 0o600);
    assert.equal(readFileSync(target, "utf8"), "keep\n", "the target is untouched");
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
