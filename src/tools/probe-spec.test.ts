// The probe-spec parser (bcc's syntax) on the forms bcc documents and on hostile input;
// the library search's text parsers; the symbol matching against a real libc.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { elfFunctionSymbols } from "../platform/elf.js";
import {
  findBinary,
  isLibraryFile,
  libraryInMaps,
  parseLdconfig,
  parseLdSoCache,
  pickFromCache,
} from "../platform/libraries.js";
import { globSource, parseProbeSpec } from "./probe-spec.js";
import { matchFunctions, nameMatcher } from "./probe-targets.js";

test("bcc's forms: tracepoints, uprobes, uretprobes, library short form, USDT, kernel", () => {
  const p = (t: string) => {
    const { text, ...rest } = parseProbeSpec(t);
    assert.equal(text, t);
    return rest;
  };
  assert.deepEqual(p("t:sched:sched_switch"), { kind: "tracepoint", target: "sched", name: "sched_switch" });
  assert.deepEqual(p("t:syscalls:sys_enter_*"), {
    kind: "tracepoint",
    target: "syscalls",
    name: "sys_enter_*",
  });
  assert.deepEqual(p("p:c:malloc"), { kind: "uprobe", target: "c", name: "malloc" });
  assert.deepEqual(p("r:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc"), {
    kind: "uretprobe",
    target: "/usr/lib/x86_64-linux-gnu/libc.so.6",
    name: "malloc",
  });
  assert.deepEqual(p("c:str*"), { kind: "uprobe", target: "c", name: "str*" });
  assert.deepEqual(p("libc:malloc"), { kind: "uprobe", target: "libc", name: "malloc" });
  assert.deepEqual(p("/bin/bash:readline"), { kind: "uprobe", target: "/bin/bash", name: "readline" });
  assert.deepEqual(p("p:/odd:dir/x:f"), { kind: "uprobe", target: "/odd:dir/x", name: "f" });
  assert.deepEqual(p("u:/usr/bin/python3:python:function__entry"), {
    kind: "usdt",
    target: "/usr/bin/python3",
    provider: "python",
    name: "function__entry",
  });
  assert.deepEqual(p("k:vfs_read"), { kind: "kprobe", target: "", name: "vfs_read" });
  assert.deepEqual(p("kr:vfs_read"), { kind: "kretprobe", target: "", name: "vfs_read" });
  assert.deepEqual(p("vfs_*"), { kind: "kprobe", target: "", name: "vfs_*" });
  assert.deepEqual(p("p::do_sys_open"), { kind: "kprobe", target: "", name: "do_sys_open" });
  assert.deepEqual(p("r::do_sys_open"), { kind: "kretprobe", target: "", name: "do_sys_open" });
  assert.deepEqual(p("c:_Z3fooi@@V1.2$x"), { kind: "uprobe", target: "c", name: "_Z3fooi@@V1.2$x" });
});

test("hostile or malformed specs: one UsageError line each, never a crash", () => {
  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["x".repeat(9000), /longer than 8192/],
    ["c:mal\nloc", /control characters/],
    ["c:mal\u0000loc", /control characters/],
    ["z:c:malloc", /unknown probe type 'z'/],
    ["t:sched:sched_switch:x", /t:category:event/],
    ["t::sched_switch", /no category/],
    ["t:sched:", /no event/],
    ["t:sch/ed:x", /bad category/],
    [":malloc", /no library/],
    ["c:", /no function/],
    ["p:c:", /no function/],
    ["c:mal loc", /bad function/],
    ["c:$(reboot)", /bad function/],
    ["c:a;b", /bad function/],
    ["u:/bin/x:prov", /u:LIB:provider:probe/],
    ["u::p:n", /no library/],
    ["k:", /no function/],
  ];
  for (const [text, re] of bad) {
    assert.throws(
      () => parseProbeSpec(text),
      (e: unknown) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"),
      JSON.stringify(text.slice(0, 40)),
    );
  }
  // "t:sched" is LIB:func of a library named "t": parsed (the search then fails), not a crash
  assert.equal(parseProbeSpec("t:sched").kind, "uprobe");
  // -r: the name is a regular expression, checked where it is compiled
  assert.equal(parseProbeSpec("c:^(malloc|free)$", true).name, "^(malloc|free)$");
});

test("globs: * any run, ? one character, everything else literal", () => {
  const m = (glob: string, s: string) => new RegExp(globSource(glob)).test(s);
  assert.ok(m("str*", "strlen"));
  assert.ok(m("str*", "str"));
  assert.ok(!m("str*", "xstrlen"));
  assert.ok(m("mem?py", "memcpy"));
  assert.ok(!m("mem?py", "memccpy"));
  assert.ok(m("a.b", "a.b"));
  assert.ok(!m("a.b", "axb"));
  assert.ok(nameMatcher("malloc", false, "f")("malloc"));
  assert.ok(!nameMatcher("malloc", false, "f")("__libc_malloc"));
  assert.ok(nameMatcher("^(malloc|free)$", true, "f")("free"));
  assert.throws(() => nameMatcher("(a)\\1", true, "f"), UsageError);
});

test("library search: ldconfig -p text, file names of a library, a process's maps", () => {
  const ld = parseLdconfig(
    [
      "597 libs found in cache `/etc/ld.so.cache'",
      "\tlibcrypt.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcrypt.so.1",
      "\tlibc.so.6 (libc6) => /lib/i386-linux-gnu/libc.so.6",
      "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6",
      "\tlibcap.so.2 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcap.so.2",
    ].join("\n"),
  );
  assert.equal(ld.length, 4);
  assert.equal(pickFromCache(ld, "libc", "x64"), "/lib/x86_64-linux-gnu/libc.so.6");
  assert.equal(pickFromCache(ld, "libcap", "x64"), "/lib/x86_64-linux-gnu/libcap.so.2");
  assert.equal(pickFromCache(ld, "libnope", "x64"), null);
  assert.ok(isLibraryFile("libc.so.6", "libc"));
  assert.ok(isLibraryFile("libc-2.31.so", "libc"));
  assert.ok(isLibraryFile("libc.so", "libc"));
  assert.ok(!isLibraryFile("libcrypt.so.1", "libc"));
  assert.ok(!isLibraryFile("libc_malloc_debug.so.0", "libc"));
  const maps = [
    "7f0000000000-7f0000028000 r--p 00000000 fe:01 123 /usr/lib/x86_64-linux-gnu/libcap.so.2.66",
    "7f1000000000-7f1000028000 r--p 00000000 fe:01 124 /usr/lib/x86_64-linux-gnu/libc.so.6",
  ].join("\n");
  assert.equal(libraryInMaps(maps, "libc"), "/usr/lib/x86_64-linux-gnu/libc.so.6");
  assert.equal(libraryInMaps(maps, "libpthread"), null);
  // On this machine: "c" and "libc" are the libc the dynamic linker loads; a program in PATH.
  const libc = findBinary("c");
  assert.ok(libc && /libc\.so\.6$/.test(libc), String(libc));
  assert.equal(findBinary("libc"), libc);
  assert.ok(findBinary("sh")?.endsWith("/sh"));
  assert.equal(findBinary("/no/such/file"), null);
  assert.equal(findBinary("no-such-library-xyz"), null);
});

test("the linker's cache file read as `ldconfig -p` lists it (names, ABI words, paths, order); another format: null", {
  skip: existsSync("/etc/ld.so.cache") ? false : "no /etc/ld.so.cache here",
}, () => {
  const file = readFileSync("/etc/ld.so.cache");
  const ours = parseLdSoCache(file);
  assert.ok(ours && ours.length > 10);
  const ldconfig = ["/sbin/ldconfig", "/usr/sbin/ldconfig"].find((p) => existsSync(p));
  if (ldconfig) {
    const theirs = parseLdconfig(execFileSync(ldconfig, ["-p"], { encoding: "utf8" }));
    assert.deepEqual(
      ours,
      theirs.map((e) => ({ ...e, abi: e.abi.replace(/, hwcap: .*$/, "") })),
    );
  }
  assert.equal(parseLdSoCache(file.subarray(0, 60)), null, "truncated");
  assert.equal(parseLdSoCache(Buffer.from("ld.so-1.7.0\0\0\0\0\0")), null, "libc5's format");
});

test("patterns over libc's symbol tables: aliases once per address, names checked by the ELF truth", () => {
  const libc = findBinary("c");
  assert.ok(libc);
  const syms = elfFunctionSymbols(readFileSync(libc));
  const malloc = matchFunctions(syms, nameMatcher("malloc", false, "f"));
  assert.deepEqual(
    malloc.map((f) => f.name),
    ["malloc"],
  );
  // __libc_malloc is malloc's alias in glibc: the same address, so `*malloc` probes it once
  const star = matchFunctions(syms, nameMatcher("*malloc", false, "f"));
  assert.equal(star.filter((f) => f.addr === malloc[0].addr).length, 1);
  const str = matchFunctions(syms, nameMatcher("str*", false, "f"));
  assert.ok(str.length > 10, `${str.length} str* functions`);
  assert.ok(str.every((f) => f.name.startsWith("str")));
  assert.equal(new Set(str.map((f) => f.addr)).size, str.length);
  for (const want of ["strlen", "strcmp", "strchr"])
    assert.ok(
      str.some((f) => syms.some((s) => s.name === want && s.addr === f.addr)),
      `${want} covered`,
    );
});
