import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { PermissionError } from "../errors.js";
import { openTracefs, TRACEFS_MOUNT_HINT, tracefsCandidates } from "./tracefs.js";

const isRoot = process.getuid?.() === 0;
const MOUNTS = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
debugfs /sys/kernel/debug debugfs rw,nosuid,nodev,noexec,relatime 0 0
nodev /mnt/my\\040trace tracefs rw,relatime 0 0
nodev /sys/kernel/tracing tracefs rw,relatime 0 0
`;

test("tracefsCandidates: standard tracefs mount first, then others, then debugfs/tracing", () => {
  assert.deepEqual(tracefsCandidates(MOUNTS), [
    "/sys/kernel/tracing",
    "/mnt/my trace",
    "/sys/kernel/debug/tracing",
  ]);
  assert.deepEqual(tracefsCandidates("proc /proc proc rw 0 0\n"), []);
  assert.deepEqual(tracefsCandidates(""), []);
});

test("not mounted and not allowed to mount: PermissionError with the mount command", () => {
  assert.throws(
    () => openTracefs({ mounts: "proc /proc proc rw 0 0\n", mount: false }),
    (err: unknown) => err instanceof PermissionError && err.message.includes(TRACEFS_MOUNT_HINT),
  );
});

const skipNotRoot = isRoot ? false : "needs root to read tracefs";

test("this machine's tracefs: categories, events and a format read for real", { skip: skipNotRoot }, () => {
  const fs = openTracefs();
  const categories = fs.categories();
  for (const c of ["sched", "syscalls", "raw_syscalls"]) assert.ok(categories.includes(c), c);
  // Count of format files, found independently with find(1).
  const formats = execFileSync(
    "find",
    [`${fs.root}/events`, "-mindepth", "3", "-maxdepth", "3", "-name", "format"],
    {
      encoding: "utf8",
    },
  )
    .trim()
    .split("\n");
  assert.equal(fs.allEvents().length, formats.length);
  const sw = fs.format("sched", "sched_switch");
  const id = Number(readFileSync(`${fs.root}/events/sched/sched_switch/id`, "utf8"));
  assert.equal(sw.id, id);
  assert.ok(sw.fields.some((f) => f.name === "next_pid"));
  assert.deepEqual(fs.events("no_such_category"), []);
});

test("mounts tracefs when it is missing and we are root (private mount namespace)", {
  skip: skipNotRoot,
}, (t) => {
  const mod = fileURLToPath(new URL("./tracefs.js", import.meta.url));
  const script = `import(${JSON.stringify(mod)}).then((m) => { const fs = m.openTracefs(); console.log(fs.root, fs.categories().includes("sched")); })`;
  // unshare -m gives the child its own copy of the mount table: unmounting there leaves ours
  // alone. Every tracefs mount goes, and debugfs (whose tracing/ directory automounts one).
  const r = spawnSync(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      `umount -a -t tracefs 2>/dev/null; umount -a -t debugfs 2>/dev/null; grep -c tracefs /proc/mounts; node -e '${script}'`,
    ],
    { encoding: "utf8" },
  );
  if (r.error || /unshare failed|Operation not permitted/.test(r.stderr)) {
    t.skip(`unshare not possible here: ${r.error?.message ?? r.stderr.trim()}`);
    return;
  }
  const [countBefore, result] = r.stdout.trim().split("\n");
  assert.equal(countBefore, "0", "tracefs should be unmounted in the namespace before the test");
  assert.equal(result, "/sys/kernel/tracing true", r.stderr);
});

test("a non-root user gets one PermissionError line", {
  skip: isRoot ? false : "needs root to switch to nobody",
}, (t) => {
  const mod = fileURLToPath(new URL("./tracefs.js", import.meta.url));
  const script = `import(${JSON.stringify(mod)}).then((m) => { try { m.openTracefs(); console.log("opened"); } catch (e) { console.log(e.name + ": " + e.message); } })`;
  const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "node", "-e", script], {
    encoding: "utf8",
  });
  if (r.status !== 0 && /Cannot find module|EACCES/.test(r.stderr)) {
    t.skip(`nobody cannot read the build: ${r.stderr.split("\n")[0]}`);
    return;
  }
  assert.match(r.stdout, /^PermissionError: reading tracefs needs root/);
});
