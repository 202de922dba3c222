// inetNtop against glibc's inet_ntop (through python3's socket.inet_ntop) on addresses
// made to hit its cases: zero runs of every length and place, mapped and compatible IPv4,
// single zero groups (never "::"); and the port-list flag's checks.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { inetNtop, portsFlag } from "./tcp-tool.js";

function addresses(): Buffer[] {
  const out: Buffer[] = [];
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < 400; i++) {
    const b = Buffer.alloc(16);
    for (let g = 0; g < 8; g++) {
      // about half the groups zero, some small, some full
      const r = rnd() % 4;
      b.writeUInt16BE(r < 2 ? 0 : r === 2 ? rnd() % 16 : rnd() & 0xffff, 2 * g);
    }
    out.push(b);
  }
  // ::, ::1, ::ffff:127.0.0.1, ::127.0.0.1, 1::, fe80::1, 1:0:0:1::1, 1:0:1:0:1:0:1:0
  const fixed = [
    "00000000000000000000000000000000",
    "00000000000000000000000000000001",
    "00000000000000000000ffff7f000001",
    "0000000000000000000000007f000001",
    "00010000000000000000000000000000",
    "fe800000000000000000000000000001",
    "00010000000000010000000000000001",
    "00010000000100000001000000010000",
  ];
  for (const f of fixed) out.push(Buffer.from(f, "hex"));
  return out;
}

const python = spawnSync("python3", ["-c", "pass"]).status === 0;

test("IPv6 text equals glibc's inet_ntop", { skip: python ? false : "python3 not installed" }, () => {
  const addrs = addresses();
  const r = spawnSync(
    "python3",
    [
      "-c",
      "import socket,sys\nfor l in sys.stdin: print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(l.strip())))",
    ],
    { input: addrs.map((a) => a.toString("hex")).join("\n"), encoding: "utf8" },
  );
  const theirs = r.stdout.trim().split("\n");
  assert.equal(theirs.length, addrs.length);
  addrs.forEach((a, i) => {
    assert.equal(inetNtop(6, a), theirs[i], a.toString("hex"));
  });
  assert.equal(inetNtop(4, Buffer.from([127, 0, 0, 1])), "127.0.0.1");
});

test("port lists: 1-65535, at most 8, comma-separated", () => {
  const f = portsFlag({ long: "port", short: "P", help: "" });
  assert.deepEqual(f.parse(undefined, "-P"), []);
  assert.deepEqual(f.parse("80, 443", "-P"), [80, 443]);
  for (const bad of ["0", "65536", "80,", "x", "1.5", "1,2,3,4,5,6,7,8,9"]) {
    assert.throws(() => f.parse(bad, "-P"), UsageError, bad);
  }
});
