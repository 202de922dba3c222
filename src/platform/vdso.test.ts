// The vDSO read from tsnap's own memory is the kernel's ELF image: readelf (binutils, not
// tsnap) lists its dynamic symbols; and a process spinning in clock_gettime, built without
// frame pointers, is unwound through its [vdso] frames to the caller the workload names.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runTsnap } from "../testkit/cli.js";
import { containsSeq, parseFolded } from "../testkit/folded.js";
import { compileWorkload, startWorkload } from "../testkit/workloads.js";
import { UserSymbolizer } from "./user-symbols.js";
import { vdsoImage, vdsoRange } from "./vdso.js";

test("vdsoRange finds the [vdso] line of a maps text", () => {
  const text = "7ffd1000-7ffd3000 r-xp 00000000 00:00 0                          [vdso]\n";
  assert.deepEqual(vdsoRange(`55d0-55d1 r-xp 00000000 fe:01 1 /bin/x\n${text}`), {
    start: 0x7ffd1000,
    end: 0x7ffd3000,
  });
  assert.equal(vdsoRange("55d0-55d1 r-xp 00000000 fe:01 1 /bin/x\n"), null);
});

test("the vDSO image read from /proc/self/mem is the ELF readelf lists __vdso_clock_gettime in", () => {
  const img = vdsoImage();
  assert.ok(img, "the vDSO could be read");
  const dir = mkdtempSync(join(tmpdir(), "tsnap-vdso-"));
  try {
    writeFileSync(join(dir, "vdso.so"), img);
    const syms = execFileSync("readelf", ["--dyn-syms", "-W", join(dir, "vdso.so")], { encoding: "utf8" });
    assert.match(syms, /\b__vdso_clock_gettime\b/);
    const sections = execFileSync("readelf", ["-S", "-W", join(dir, "vdso.so")], { encoding: "utf8" });
    assert.match(sections, /\.eh_frame\b/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The value of a dynamic symbol as readelf prints it. */
function readelfSymbol(file: string, name: string): number {
  const syms = execFileSync("readelf", ["--dyn-syms", "-W", file], { encoding: "utf8" });
  const m = new RegExp(`^\\s*\\d+: ([0-9a-f]+)\\s+\\d+\\s+FUNC.*\\s${name}(@\\S+)?$`, "m").exec(syms);
  assert.ok(m, `readelf lists ${name}:\n${syms}`);
  return Number.parseInt(m[1], 16);
}

test("profile -p unwinds through the [vdso]: its frames named, main;spin_fn above them", {
  skip: process.getuid?.() !== 0 && "needs root",
}, async (t) => {
  const bin = compileWorkload("vdso-spin", "test/workloads", ["-O2", "-fomit-frame-pointer"]);
  const w = await startWorkload(bin, []);
  const dir = mkdtempSync(join(tmpdir(), "tsnap-vdso-"));
  try {
    const pid = Number(w.ready[1]);
    // An address inside the workload's vDSO clock_gettime: readelf's value plus its mapping's start.
    writeFileSync(join(dir, "vdso.so"), vdsoImage() ?? Buffer.alloc(0));
    const value = readelfSymbol(join(dir, "vdso.so"), "__vdso_clock_gettime");
    const range = vdsoRange(readFileSync(`/proc/${pid}/maps`, "latin1"));
    assert.ok(range);
    const r0 = new UserSymbolizer().resolve(pid, range.start + value + 4);
    assert.equal(r0.module, "[vdso]");
    assert.match(r0.name ?? "", /^(__vdso_)?clock_gettime$/);

    const r = await runTsnap(["profile", "-U", "-F", "199", "-p", String(pid), "-f", "3"], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const stacks = parseFolded(r.stdout);
    const sum = (xs: typeof stacks) => xs.reduce((n, s) => n + s.count, 0);
    const total = sum(stacks);
    const full = stacks.filter((s) => containsSeq(s.frames, ["main", "spin_fn"]));
    // Through the vDSO: its exported clock_gettime (named from its .dynsym) under libc's
    // __clock_gettime; code of the vDSO no symbol covers (its static helpers, e.g. the
    // paravirtual clock read on this VM) shows as [unknown] ([vdso]), only ever below it.
    const throughVdso = stacks.filter((s) =>
      containsSeq(s.frames, ["spin_fn", "__clock_gettime", "clock_gettime"]),
    );
    const unknownElsewhere = stacks.filter((s) =>
      s.frames.some(
        (f, i) =>
          f === "[unknown] ([vdso])" && (i !== s.frames.length - 1 || s.frames[i - 1] !== "clock_gettime"),
      ),
    );
    t.diagnostic(
      `samples ${total}: main;spin_fn in ${sum(full)}, through the vDSO's clock_gettime ${sum(throughVdso)}`,
    );
    assert.ok(total >= 300, `enough samples:\n${r.stdout}`);
    assert.ok(
      sum(throughVdso) >= 0.5 * total,
      `spin_fn;__clock_gettime;clock_gettime in ${sum(throughVdso)} of ${total}:\n${r.stdout}`,
    );
    assert.equal(sum(unknownElsewhere), 0, `unnamed vDSO code only below clock_gettime:\n${r.stdout}`);
    assert.ok(sum(full) >= 0.9 * total, `main;spin_fn in ${sum(full)} of ${total}:\n${r.stdout}`);
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
