import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseCgroup,
  parseCmdline,
  parseIo,
  parseKstack,
  parsePasswd,
  parseStat,
  parseStatusNsPid,
  parseStatusUid,
  parseSyscall,
  parseWchan,
  stateFromChar,
} from "./parse.js";

// Real lines from this machine's /proc (bash, kthreadd), and one with a hostile comm.
const BASH_STAT =
  "1064 (bash) S 1063 1064 1064 0 -1 4194560 18966 1015860 0 518 6 16 2916 1058 20 0 1 0 4144 5402624 1045 18446744073709551615 94352703123456 94352703912861 140733060688720 0 0 0 65536 4 1132560123 1 0 0 17 1 0 0 0 0 0 94352704146160 94352704194404 94353443274752 140733060692861 140733060692876 140733060692876 140733060693994 0\n";
const KTHREAD_STAT =
  "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

test("parseStat reads state, ppid, times, threads and CPU by field position", () => {
  const s = parseStat(BASH_STAT);
  assert.deepEqual(s, {
    comm: "bash",
    stateChar: "S",
    ppid: 1063,
    utime: 6,
    stime: 16,
    numThreads: 1,
    starttime: 4144,
    processor: 1,
  });
  assert.equal(parseStat(KTHREAD_STAT)?.processor, 0);
});

test("parseStat takes comm up to the last ')' even with spaces and parens inside", () => {
  const evil = BASH_STAT.replace("(bash)", "(a) R (b c)");
  const s = parseStat(evil);
  assert.equal(s?.comm, "a) R (b c");
  assert.equal(s?.stateChar, "S");
  assert.equal(s?.ppid, 1063);
});

test("parseStat rejects truncated or foreign text", () => {
  assert.equal(parseStat(""), null);
  assert.equal(parseStat("1064 (bash) S 1063"), null);
  assert.equal(parseStat("no parens here"), null);
});

test("stateFromChar maps every documented letter", () => {
  const map: Record<string, string> = {
    R: "RUN",
    D: "DISK",
    S: "SLEEP",
    T: "STOPPED",
    t: "TRACED",
    Z: "ZOMBIE",
    X: "DEAD",
    I: "IDLE",
    P: "PARKED",
  };
  for (const [c, st] of Object.entries(map)) assert.equal(stateFromChar(c), st);
  assert.equal(stateFromChar("?"), "UNKNOWN");
});

test("parseSyscall: in a syscall, running, blocked outside a syscall, kernel thread", () => {
  const sc = parseSyscall(
    "270 0xfb 0x7ffef8170bc0 0x0 0x0 0x7ffef8170ad0 0x7ffef8170ae0 0x7ffef8170aa0 0x7f2c3dfe5aec\n",
  );
  assert.deepEqual(sc, {
    kind: "syscall",
    nr: 270,
    args: [0xfbn, 0x7ffef8170bc0n, 0n, 0n, 0x7ffef8170ad0n, 0x7ffef8170ae0n],
  });
  assert.deepEqual(parseSyscall("running\n"), { kind: "running" });
  assert.deepEqual(parseSyscall("-1 0x7ffd1c3c8a08 0x55d0c0a2f1b4\n"), { kind: "none" });
  assert.deepEqual(parseSyscall("0 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n"), { kind: "none" });
  assert.equal(parseSyscall(""), null);
  assert.equal(parseSyscall("17 0x3"), null);
});

test("parseSyscall keeps full 64-bit argument values", () => {
  const sc = parseSyscall("0 0xffffffffffffff9c 0x1 0x2 0x3 0x4 0x5 0x7ffe 0x7f00\n");
  assert.equal(sc?.kind, "syscall");
  if (sc?.kind === "syscall") assert.equal(sc.args[0], 0xffffffffffffff9cn);
});

test("parseWchan: a function, or nothing", () => {
  assert.equal(parseWchan("poll_schedule_timeout.constprop.0"), "poll_schedule_timeout.constprop.0");
  assert.equal(parseWchan("0"), null);
  assert.equal(parseWchan(""), null);
});

test("parseKstack returns frames leaf first without the size suffix", () => {
  const text =
    "[<0>] poll_schedule_timeout.constprop.0+0x37/0x90\n[<0>] do_select+0x63a/0x930\n[<0>] core_sys_select+0x275/0x4a0\n";
  assert.deepEqual(parseKstack(text), [
    "poll_schedule_timeout.constprop.0+0x37",
    "do_select+0x63a",
    "core_sys_select+0x275",
  ]);
  assert.deepEqual(parseKstack(""), []);
});

test("parseStatusUid and parseStatusNsPid", () => {
  const status = "Name:\tbash\nTgid:\t1064\nNSpid:\t1064\t12\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
  assert.equal(parseStatusUid(status), 1000);
  assert.equal(parseStatusNsPid(status), 12);
  assert.equal(parseStatusUid("Name:\tx\n"), null);
});

test("parseCmdline joins NUL-separated arguments", () => {
  assert.equal(parseCmdline("/usr/bin/python3\0-m\0http.server\0"), "/usr/bin/python3 -m http.server");
  assert.equal(parseCmdline(""), "");
});

test("parseCgroup prefers the v2 path, then a non-root v1 path, then /", () => {
  assert.equal(parseCgroup("0::/system.slice/ssh.service\n"), "/system.slice/ssh.service");
  const hybrid = "9:name=systemd:/\n4:memory:/process_api/8e67\n1:cpu:/\n0::/\n";
  assert.equal(parseCgroup(hybrid), "memory:/process_api/8e67");
  assert.equal(parseCgroup("0::/\n"), "/");
});

test("parseIo reads read_bytes and write_bytes", () => {
  const io =
    "rchar: 170575895\nwchar: 328907362\nsyscr: 81767\nsyscw: 55063\nread_bytes: 301821952\nwrite_bytes: 336949248\ncancelled_write_bytes: 22949888\n";
  assert.deepEqual(parseIo(io), { readBytes: 301821952, writeBytes: 336949248 });
  assert.equal(parseIo("rchar: 1\n"), null);
});

test("parsePasswd maps uids to the first name listed", () => {
  const users = parsePasswd(
    "root:x:0:0:root:/root:/bin/bash\nsync:x:4:65534:sync:/bin:/bin/sync\ntoor:x:0:0::/:/bin/sh\nbad line\n",
  );
  assert.equal(users.get(0), "root");
  assert.equal(users.get(4), "sync");
  assert.equal(users.size, 2);
});
