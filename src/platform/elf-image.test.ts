// Symbol images: build-id as binutils reads it, a stripped file named through its separate
// debug file (made by objcopy, found by .gnu_debuglink), JIT perf maps, and hostile ELF
// input (truncated, garbage behind the magic, offsets past the end) never throwing past
// ElfError nor hanging.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { compileWorkload } from "../testkit/workloads.js";
import { ElfError, elfBuildId, elfDebugLink, elfFunctions, hasSymtab } from "./elf.js";
import { ImageCache, imageFunctionAt } from "./elf-image.js";
import { parsePerfMap } from "./perf-map.js";

const libc = /\s(\/\S*libc\.so\.6)$/m.exec(readFileSync("/proc/self/maps", "utf8"))?.[1] ?? "";

test("elfBuildId is readelf -n's build ID", () => {
  const text = execFileSync("readelf", ["-n", libc], { encoding: "utf8" });
  const want = /Build ID: ([0-9a-f]+)/.exec(text)?.[1];
  assert.ok(want, "readelf shows a build ID");
  assert.equal(elfBuildId(readFileSync(libc)), want);
});

test("a stripped binary is named through its .gnu_debuglink debug file", () => {
  const bin = compileWorkload("sleep-loop", "test/workloads", ["-fno-omit-frame-pointer"]);
  const dir = mkdtempSync(join(tmpdir(), "tsnap-debuglink-"));
  try {
    const stripped = join(dir, "app");
    mkdirSync(join(dir, ".debug"));
    execFileSync("objcopy", ["--only-keep-debug", bin, join(dir, ".debug", "app.debug")]);
    execFileSync("objcopy", [
      "--strip-all",
      `--add-gnu-debuglink=${join(dir, ".debug", "app.debug")}`,
      bin,
      stripped,
    ]);
    const b = readFileSync(stripped);
    assert.equal(hasSymtab(b), false);
    assert.equal(elfDebugLink(b), "app.debug");
    // sleep_once is local (in .symtab only): nm of the original has it, the stripped file not.
    assert.ok(!elfFunctions(b).some((f) => f.name === "sleep_once"));
    // Looked up at nm's address of sleep_once in the original (a lookup, as frames are).
    const nm = execFileSync("nm", ["--defined-only", bin], { encoding: "utf8" });
    const at = Number.parseInt(/^([0-9a-f]+) t sleep_once$/m.exec(nm)?.[1] ?? "", 16);
    assert.ok(Number.isFinite(at), "nm lists sleep_once");
    const img = new ImageCache().get("t:1", [stripped]);
    assert.ok(img, "an image");
    assert.equal(imageFunctionAt(img, at + 1)?.name, "sleep_once", "named through the debug file");
    assert.equal(img?.debugFile, join(dir, ".debug", "app.debug"));
    // Without the debug file: only what the stripped file has.
    rmSync(join(dir, ".debug"), { recursive: true });
    copyFileSync(stripped, join(dir, "app2"));
    const bare = new ImageCache().get("t:2", [join(dir, "app2")]);
    assert.ok(bare, "an image");
    assert.notEqual(imageFunctionAt(bare, at + 1)?.name, "sleep_once");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("perf maps parse, later entries winning at one address", () => {
  const funcs = parsePerfMap(
    "7f00aa001000 40 LazyCompile:~fib /x.js:3\n0x7f00aa000000 10 Builtin:A\nbad line\n7f00aa001000 20 JS:*fib /x.js:3\n",
  );
  assert.deepEqual(
    funcs.map((f) => [f.addr, f.size, f.name]),
    [
      [0x7f00aa000000, 0x10, "Builtin:A"],
      [0x7f00aa001000, 0x20, "JS:*fib /x.js:3"],
    ],
  );
});

test("hostile ELF input: truncated, garbage, offsets past the end", () => {
  const real = readFileSync(libc);
  const cases: Buffer[] = [Buffer.from("\x7fELF"), real.subarray(0, 64), real.subarray(0, 4096)];
  // Section headers pointing past the end, huge counts, name offsets out of range.
  const h = Buffer.from(real.subarray(0, 0x40));
  h.writeBigUInt64LE(0xffffffffffn, 0x28);
  h.writeUInt16LE(0xffff, 0x3c);
  cases.push(h);
  let seed = 7;
  for (let i = 0; i < 50; i++) {
    const g = Buffer.from(real.subarray(0, 64 * 1024));
    for (let j = 0; j < 200; j++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      g[seed % g.length] = seed & 0xff;
    }
    cases.push(g);
  }
  for (const b of cases) {
    for (const f of [elfFunctions, elfBuildId, elfDebugLink, hasSymtab] as ((b: Buffer) => unknown)[]) {
      try {
        f(b);
      } catch (err) {
        assert.ok(err instanceof ElfError, String(err));
      }
    }
  }
});
