// Demangling against binutils' c++filt (an independent demangler) on every mangled name
// that libstdc++ exports, plus Rust's legacy scheme and names that are not mangled.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { demangle, demanglerAvailable } from "./demangle.js";

const LIBSTDCXX = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

/**
 * The Itanium ABI's standard abbreviations (Ss, Si, So, Sd) read as the runtime prints
 * them (std::string, as bcc and perf show) and as c++filt spells them out: the one
 * difference allowed.
 */
const SPELLED_OUT: [RegExp, string][] = [
  [/std::string(?![\w<])/g, "std::basic_string<char, std::char_traits<char>, std::allocator<char> >"],
  [/std::iostream(?![\w<])/g, "std::basic_iostream<char, std::char_traits<char> >"],
  [/std::istream(?![\w<])/g, "std::basic_istream<char, std::char_traits<char> >"],
  [/std::ostream(?![\w<])/g, "std::basic_ostream<char, std::char_traits<char> >"],
];
function spelledOut(name: string): string {
  let n = SPELLED_OUT.reduce((acc, [re, long]) => acc.replace(re, long), name);
  // A template argument list ending where another ends: "> >", as the demanglers write it.
  for (let prev = ""; prev !== n; ) {
    prev = n;
    n = n.replace(/(?<!operator>?)>>/g, "> >");
  }
  return n;
}

test("C++ names: the same text as c++filt (abbreviations aside) for every _Z symbol libstdc++ exports", (t) => {
  if (!demanglerAvailable()) return t.skip("libstdc++.so.6 cannot be loaded here");
  let names: string[];
  try {
    names = execFileSync("nm", ["-D", "--defined-only", LIBSTDCXX], { encoding: "utf8", maxBuffer: 64 << 20 })
      .split("\n")
      .map((l) => l.split(" ")[2] ?? "")
      .filter((n) => n.startsWith("_Z"))
      .map((n) => n.replace(/@.*$/, ""));
  } catch {
    return t.skip(`nm (binutils) or ${LIBSTDCXX} missing`);
  }
  assert.ok(names.length > 1000, `${names.length} mangled names`);
  const want = execFileSync("c++filt", [], { input: names.join("\n"), encoding: "utf8", maxBuffer: 64 << 20 })
    .trimEnd()
    .split("\n");
  assert.equal(want.length, names.length);
  const differ = names.filter((n, i) => spelledOut(demangle(n)) !== want[i]);
  assert.deepEqual(differ.slice(0, 5), [], `${differ.length} of ${names.length} differ from c++filt`);
});

test("Rust legacy names lose their hash; plain, v0 and broken names stay as they are", (t) => {
  if (!demanglerAvailable()) return t.skip("libstdc++.so.6 cannot be loaded here");
  assert.equal(demangle("_ZN4core3fmt5write17h0123456789abcdefE"), "core::fmt::write");
  assert.equal(demangle("_ZN3std2rt10lang_start17h8d1c2b3a4f5e6d7cE"), "std::rt::lang_start");
  for (const n of ["main", "hot_a", "_R", "_RNvCs1234_7mycrate3foo", "_Z", "_Zfoo", ""])
    assert.equal(demangle(n), n);
});
