// ELF symbols and user-frame names, checked against binutils (nm) on real files and a
// real process: names and addresses agree with nm, a process that exited after it was
// first seen still resolves, and /proc/PID/maps lines parse.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { test } from "node:test";
import { compileWorkload, startWorkload } from "../testkit/workloads.js";
import { dynamicSymbolOffset, elfFunctions, elfLoadSegments, fileOffsetToVaddr, functionAt } from "./elf.js";
import { parseMaps, UserSymbolizer } from "./user-symbols.js";

/** nm's listing: function name → address. */
function nmFunctions(path: string, dynamic = false): Map<string, number> {
  const out = new Map<string, number>();
  const text = execFileSync("nm", [...(dynamic ? ["-D"] : []), "--defined-only", path], { encoding: "utf8" });
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+) [TtWiI] (\S+?)(@.*)?$/.exec(line);
    if (m) out.set(m[2], Number.parseInt(m[1], 16));
  }
  return out;
}

const libc = /\s(\/\S*libc\.so\.6)$/m.exec(readFileSync("/proc/self/maps", "utf8"))?.[1] ?? "";

test("elfFunctions agrees with nm -D on libc", () => {
  const funcs = elfFunctions(readFileSync(libc));
  const nm = nmFunctions(libc, true);
  for (const name of ["clock_nanosleep", "read", "getpid", "malloc"]) {
    const addr = nm.get(name);
    assert.ok(addr !== undefined, `nm lists ${name}`);
    const f = functionAt(funcs, addr + 1);
    assert.ok(f, name);
    assert.equal(f.addr, addr, `${name} at 0x${addr.toString(16)}: got ${f.name}`);
  }
  // The uprobe offset: the file offset of getpid, through the segment that holds it.
  const segs = elfLoadSegments(readFileSync(libc));
  const off = dynamicSymbolOffset(readFileSync(libc), "getpid");
  assert.equal(fileOffsetToVaddr(segs, off), nm.get("getpid"));
});

test("a process's frames resolve after it exited, if it was seen while alive", async () => {
  // Not PIE: run-time addresses are nm's addresses.
  const bin = compileWorkload("sleep-loop", "test/workloads", ["-no-pie", "-fno-omit-frame-pointer"]);
  const addr = nmFunctions(bin).get("sleep_once");
  assert.ok(addr !== undefined, "nm lists sleep_once");
  const w = await startWorkload(bin, ["300", "20"]);
  const pid = Number(w.ready[1]);
  const seen = new UserSymbolizer();
  seen.see(pid);
  await w.stop();
  const frames = seen.frames(pid, [BigInt(addr + 4), 0x10n]);
  assert.deepEqual(frames, [`${basename(bin)}\`sleep_once+0x4`, "0x10"]);
  // Never seen before the exit: only the address is left.
  assert.deepEqual(new UserSymbolizer().frames(pid, [BigInt(addr + 4)]), [`0x${(addr + 4).toString(16)}`]);
});

test("parseMaps keeps executable file mappings with their file identity, and the vDSO", () => {
  const text = [
    "55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1311 /usr/bin/app",
    "55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 1311 /usr/bin/app",
    "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ",
    "7f1000000000-7f1000100000 r-xp 00028000 fe:01 2222 /usr/lib/x86_64-linux-gnu/libc.so.6",
    "7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0                          [vdso]",
    "7f2000000000-7f2000001000 r-xp 00000000 fe:01 3333 /tmp/my lib (deleted)",
  ].join("\n");
  assert.deepEqual(parseMaps(text), [
    { start: 0x55d0c0a01000, end: 0x55d0c0a02000, offset: 0x1000, path: "/usr/bin/app", file: "fe:01:1311" },
    {
      start: 0x7f1000000000,
      end: 0x7f1000100000,
      offset: 0x28000,
      path: "/usr/lib/x86_64-linux-gnu/libc.so.6",
      file: "fe:01:2222",
    },
    { start: 0x7ffd00000000, end: 0x7ffd00001000, offset: 0, path: "[vdso]", file: "vdso" },
    {
      start: 0x7f2000000000,
      end: 0x7f2000001000,
      offset: 0,
      path: "/tmp/my lib (deleted)",
      file: "fe:01:3333",
    },
  ]);
});
