import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { FD_ARG_SYSCALLS, syscallName, syscallNumber } from "./syscall-table.js";

const REPO = new URL("../../../", import.meta.url);

test("x86_64 numbers known from the x86_64 syscall ABI", () => {
  const known: [number, string][] = [
    [0, "read"],
    [1, "write"],
    [17, "pread64"],
    [58, "vfork"],
    [230, "clock_nanosleep"],
    [202, "futex"],
    [435, "clone3"],
  ];
  for (const [nr, name] of known) assert.equal(syscallName(nr, "x64"), name, `x64 ${nr}`);
});

test("aarch64 numbers known from the generic syscall ABI", () => {
  const known: [number, string][] = [
    [63, "read"],
    [64, "write"],
    [115, "clock_nanosleep"],
    [220, "clone"],
    [62, "lseek"],
    [80, "fstat"],
    [98, "futex"],
  ];
  for (const [nr, name] of known) assert.equal(syscallName(nr, "arm64"), name, `arm64 ${nr}`);
  // arm64 has no open(2) or fork(2): only the *at and clone forms exist.
  assert.equal(syscallNumber("open", "arm64"), undefined);
  assert.equal(syscallNumber("fork", "arm64"), undefined);
});

test("unknown numbers and architectures give syscall_<nr>", () => {
  assert.equal(syscallName(100000, "x64"), "syscall_100000");
  assert.equal(syscallName(-1, "x64"), "syscall_-1");
  assert.equal(syscallName(1.5, "x64"), "syscall_1.5");
  assert.equal(syscallName(0, "mips"), "syscall_0");
  assert.equal(syscallName(0, "x86_64"), "read");
  assert.equal(syscallName(63, "aarch64"), "read");
  assert.equal(syscallName(0, "toString"), "syscall_0");
  // 335..386 are unassigned on x86_64 (rseq is 334, pidfd_send_signal 424).
  assert.equal(syscallName(335, "x64"), "syscall_335");
  assert.equal(syscallNumber("read", "x64"), 0);
  assert.equal(syscallNumber("no_such_call", "x64"), undefined);
});

test("tracepoint names map to header numbers (newfstat is fstat, sendfile64 is sendfile)", () => {
  assert.equal(syscallNumber("newfstat", "x64"), 5);
  assert.equal(syscallNumber("newuname", "x64"), 63);
  assert.equal(syscallNumber("sendfile64", "x64"), 40);
  assert.equal(syscallNumber("newfstat", "arm64"), 80);
  assert.equal(syscallNumber("pread64", "x64"), 17);
});

test("the default arch is this machine's", {
  skip: process.arch !== "x64" && process.arch !== "arm64" ? `no table for ${process.arch}` : false,
}, () => {
  const nr = process.arch === "x64" ? 39 : 172;
  assert.equal(syscallName(nr), "getpid");
});

test("FD_ARG_SYSCALLS holds fd-first syscalls and not path/pointer-first ones", () => {
  for (const name of [
    "read",
    "write",
    "pread64",
    "pwrite64",
    "readv",
    "writev",
    "fsync",
    "fdatasync",
    "ioctl",
    "fstat",
    "newfstat",
    "lseek",
    "getdents64",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "accept",
    "accept4",
    "connect",
    "epoll_wait",
    "epoll_pwait",
    "flock",
    "fcntl",
    "ftruncate",
    "sync_file_range",
    "fadvise64",
    "fallocate",
    "splice",
    "io_uring_enter",
    "dup2",
    "close",
  ]) {
    assert.ok(FD_ARG_SYSCALLS.has(name), `${name} should take an fd first`);
  }
  for (const name of [
    "poll",
    "ppoll",
    "open",
    "openat",
    "pipe",
    "nanosleep",
    "futex",
    "mmap",
    "execve",
    "unlinkat",
  ]) {
    assert.ok(!FD_ARG_SYSCALLS.has(name), `${name} does not take an fd first`);
  }
});

test("the generated tables agree with the header they came from", { skip: skipNoHeader() }, () => {
  // Independent check: every `#define __NR_x N` in the x86_64 header maps N → x.
  const text = readFileSync("/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "utf8");
  let count = 0;
  for (const m of text.matchAll(/^#define __NR_(\w+) (\d+)$/gm)) {
    if (Number(m[2]) > 450) continue; // newer headers than the ones the table came from
    assert.equal(syscallName(Number(m[2]), "x64"), m[1], "regenerate: node scripts/gen-syscall-tables.mjs");
    count++;
  }
  assert.ok(count > 300, `only ${count} syscalls in the header`);
});

function skipNoHeader(): string | false {
  try {
    readFileSync("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
    return false;
  } catch {
    return "no /usr/include/x86_64-linux-gnu/asm/unistd_64.h (install linux-libc-dev)";
  }
}

test("the committed tables are what the generator makes on this machine", { skip: skipNoGenerator() }, () => {
  const out = mkdtempSync(join(tmpdir(), "tsnap-gen-"));
  try {
    execFileSync("node", [fileURLToPath(new URL("scripts/gen-syscall-tables.mjs", REPO)), "--out", out], {
      stdio: "pipe",
    });
    for (const file of ["syscall-names-x86_64.ts", "syscall-names-aarch64.ts", "syscall-fd-args.ts"]) {
      const committed = readFileSync(new URL(`src/platform/${file}`, REPO), "utf8");
      assert.equal(
        readFileSync(join(out, file), "utf8"),
        committed,
        `${file} differs: run node scripts/gen-syscall-tables.mjs`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

function skipNoGenerator(): string | false {
  if (skipNoHeader()) return skipNoHeader();
  if (!existsSync("/sys/kernel/tracing/events/syscalls")) return "tracefs not mounted or not readable";
  try {
    execFileSync("cpp", ["--version"], { stdio: "ignore" });
    return false;
  } catch {
    return "no C preprocessor (cpp)";
  }
}
