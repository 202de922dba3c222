// The flame graph core on fixtures with hand-computed truth: parsing (tolerance, errors by
// line), widths equal to shares read back from the SVG, --reverse, --inverted, flame-chart
// order, differential colours, --minwidth, --hash, and hostile frame names.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../errors.js";
import { runCli } from "../../testkit/cli.js";
import { frameNamed, type SvgFrame, svgFrames } from "../../testkit/svg-frames.js";
import { nameHash } from "./colors.js";
import { parseFolded } from "./folded.js";
import { packFolded } from "./folded-reader.js";
import { unpackStacks } from "./packed.js";
import { formatCount } from "./svg.js";

/** Renders through the CLI with a 1000 px plot (width 1020 minus 2 × 10 px padding). */
async function render(input: string, args: string[] = []): Promise<{ svg: string; frames: SvgFrame[] }> {
  const { writeFileSync, mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "tsnap-flame-"));
  const files = input.split("\u0000").map((text, i) => {
    const f = join(dir, `in${i}.folded`);
    writeFileSync(f, text);
    return f;
  });
  const r = await runCli(["flame", ...files, "--width", "1020", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return { svg: r.stdout, frames: svgFrames(r.stdout) };
}

const near = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) <= 0.011, `${what}: ${got}, expected ${want}`);

test("parse: blank lines, CRLF, trailing spaces, decimals and spaces in names", () => {
  const s = parseFolded("a;b 1\r\n\n   \nmy func;other one 2.5   \n\t\nc .5");
  assert.deepEqual(s, [
    { frames: ["a", "b"], count: 1 },
    { frames: ["my func", "other one"], count: 2.5 },
    { frames: ["c"], count: 0.5 },
  ]);
});

test("parse: a bad line is an InputError naming the line", () => {
  for (const [text, line, why] of [
    ["a 1\nb 2\nc x\n", 3, /count 'x'/],
    ["a 1\n\na;b\n", 3, /no count/],
    ["a -1\n", 1, /count '-1'/],
    ["a 1\n 5\n", 2, /empty stack/],
  ] as const) {
    assert.throws(
      () => parseFolded(text, "f.folded"),
      (e: unknown) =>
        e instanceof InputError && e.message.includes(`f.folded:${line}:`) && why.test(e.message),
      JSON.stringify(text),
    );
  }
});

test("each frame's width and x equal its share of the samples", async () => {
  // total 200 samples over 1000 px: 5 px each. d has 30 samples of its own (drawn left of
  // its children, as flamegraph.pl does) and e above it.
  const { frames } = await render("a;b 100\na;c 50\nd 30\nd;e 20\n");
  const want: [string, number, number][] = [
    ["all", 10, 1000],
    ["a", 10, 750],
    ["b", 10, 500],
    ["c", 510, 250],
    ["d", 760, 250],
    ["e", 910, 100],
  ];
  for (const [name, x, w] of want) {
    const f = frameNamed(frames, name);
    near(f.x, x, `${name} x`);
    near(f.width, w, `${name} width`);
  }
  assert.match(frameNamed(frames, "a").info, /^150 samples, 75\.00%$/);
  assert.equal(frames.length, want.length);
});

test("--reverse puts the leaves at the root; --inverted draws the root at the top", async () => {
  const input = "a;b;c 3\nx;b;c 1\n";
  const { frames } = await render(input, ["--reverse"]);
  near(frameNamed(frames, "c").width, 1000, "c");
  near(frameNamed(frames, "b").width, 1000, "b");
  near(frameNamed(frames, "a").width, 750, "a");
  near(frameNamed(frames, "x").x, 760, "x at the right of a");
  // depth grows upwards by default, downwards in an icicle graph
  assert.ok(frameNamed(frames, "c").y > frameNamed(frames, "b").y);
  const ice = (await render(input, ["--inverted"])).frames;
  assert.equal(frameNamed(ice, "all").y, 36, "icicle root right under the title (3 × font size)");
  assert.ok(
    frameNamed(ice, "a").y < frameNamed(ice, "b").y && frameNamed(ice, "b").y < frameNamed(ice, "c").y,
  );
});

test("--flamechart keeps input order and merges only adjacent identical frames", async () => {
  const input = "a;b 1\na;c 1\na;b 1\nd 1\na 2\n";
  const chart = (await render(input, ["--flamechart"])).frames;
  const per = 1000 / 6;
  near(frameNamed(chart, "a", 0).x, 10, "first a");
  near(frameNamed(chart, "a", 0).width, 3 * per, "first a width");
  near(frameNamed(chart, "d").x, 10 + 3 * per, "d after it");
  near(frameNamed(chart, "a", 1).x, 10 + 4 * per, "second a last");
  near(frameNamed(chart, "b", 0).x, 10, "b");
  near(frameNamed(chart, "c").x, 10 + per, "c");
  near(frameNamed(chart, "b", 1).x, 10 + 2 * per, "b again");
  // a flame graph of the same input merges and sorts: a (5) then d (1)
  const graph = (await render(input)).frames;
  near(frameNamed(graph, "a").width, 5 * per, "a merged");
  near(frameNamed(graph, "b").width, 2 * per, "b merged");
  near(frameNamed(graph, "d").x, 10 + 5 * per, "d after a");
});

test("--diff: widths from the second profile, red grew, blue shrank; --negate, --normalize", async () => {
  const a = "a;b 10\na;c 10\n";
  const b = "a;b 30\na;c 5\na;d 5\n";
  const { frames } = await render(`${a}\u0000${b}`, ["--diff"]);
  near(frameNamed(frames, "b").width, 750, "b from B: 30/40");
  near(frameNamed(frames, "c").width, 125, "c");
  // flamegraph.pl color_scale: max |delta| 20; 210 × (20 - |d|) / 20
  assert.equal(frameNamed(frames, "b").fill, "rgb(255,0,0)");
  assert.equal(frameNamed(frames, "c").fill, "rgb(157,157,255)");
  assert.equal(frameNamed(frames, "d").fill, "rgb(255,157,157)");
  assert.equal(frameNamed(frames, "a").fill, "rgb(255,255,255)", "no stack ends in a");
  assert.equal(frameNamed(frames, "b").info, "30 samples, 75.00%; +50.00%");
  const neg = (await render(`${a}\u0000${b}`, ["--diff", "--negate"])).frames;
  assert.equal(frameNamed(neg, "b").fill, "rgb(0,0,255)");
  // normalized: A doubled to 40 samples: deltas b +10, c -15, d +5, max 15
  const norm = (await render(`${a}\u0000${b}`, ["--diff", "--normalize"])).frames;
  assert.equal(frameNamed(norm, "b").fill, "rgb(255,70,70)");
  assert.equal(frameNamed(norm, "c").fill, "rgb(0,0,255)");
  // one input with two counts a line (difffolded output) is the same graph
  const one = (await render("a;b 10 30\na;c 10 5\na;d 0 5\n", ["--diff"])).frames;
  assert.deepEqual(
    one.map((f) => [f.name, f.width, f.fill]),
    frames.map((f) => [f.name, f.width, f.fill]),
  );
});

test("--minwidth in px or % leaves out narrow frames", async () => {
  const input = "a 1000\nb 1\n";
  assert.equal((await render(input)).frames.length, 3);
  assert.equal((await render(input, ["--minwidth", "2"])).frames.length, 2);
  assert.equal((await render(input, ["--minwidth", "0.05%"])).frames.length, 3);
  assert.equal((await render(input, ["--minwidth", "0.2%"])).frames.length, 2);
});

test("--hash: a name gets the same colour in different graphs", async () => {
  const one = (await render("x;memcpy 5\nx;read 3\n", ["--hash"])).frames;
  const two = (await render("y;z;memcpy 1\nq 9\n", ["--hash"])).frames;
  assert.equal(frameNamed(one, "memcpy").fill, frameNamed(two, "memcpy").fill);
  // flamegraph.pl hot: r = 205 + int(50 v3), g = int(230 v1), b = int(55 v2)
  const v1 = nameHash("memcpy");
  const v2 = nameHash("ypcmem");
  assert.equal(
    frameNamed(one, "memcpy").fill,
    `rgb(${205 + Math.trunc(50 * v2)},${Math.trunc(230 * v1)},${Math.trunc(55 * v2)})`,
  );
});

test("hostile frame names are escaped: one script element, names round-trip", async () => {
  const names = [
    "<script>alert(1)</script>",
    "]]></script><x",
    `a&b "q" 'q'`,
    "ctl\u0001\u001f",
    "lone\ud800x",
  ];
  const input = names.map((n, i) => `root;${n} ${i + 1}\n`).join("");
  const { svg, frames } = await render(input, ["--title", "<t>&", "--countname", '"c"']);
  assert.equal(svg.split("<script").length, 2);
  assert.equal(svg.split("</script>").length, 2);
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(svg), "no XML-forbidden control characters");
  assert.ok(svg.includes('<text id="title" x="510" y="24">&lt;t&gt;&amp;</text>'));
  const got = frames.map((f) => f.name).filter((n) => n !== "all" && n !== "root");
  const want = names.map((n) => n.replace(/[\u0000-\u001f]|[\ud800-\udfff]/g, "\ufffd"));
  assert.deepEqual(got.sort(), want.sort());
  assert.match(frames[0].info, /"c"/);
});

test("usage and input errors: one line, exit 2 or 1", async () => {
  const cases: [string[], number, RegExp][] = [
    [["flame", "--colors", "pink", "/dev/null"], 2, /--colors must be one of/],
    [["flame", "/nonexistent.folded"], 1, /^tsnap: cannot read input: \/nonexistent.folded: no such file/],
    [["flame", "/dev/null", "--from", "-1h"], 2, /--from reads captured history/],
    [["flame", "--negate", "/dev/null"], 2, /--negate needs --diff/],
    [["flame", "a", "b"], 2, /two inputs need --diff/],
    [["flame", "--width", "5", "/dev/null"], 2, /--width must be at least/],
    [["flame", "/dev/null"], 1, /^tsnap: \/dev\/null: no stacks/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

test("counts in tooltips are grouped by thousands as en-US Intl formatting groups them", () => {
  const en = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 0 });
  for (const n of [0, 7, 999, 1000, -1000, 65_536, 1_234_567, -98_765_432, 2 ** 53 - 1])
    assert.equal(formatCount(n), en.format(n), String(n));
  assert.equal(formatCount(1234.5), "1,234.50");
  assert.equal(formatCount(-0.25), "-0.25");
});

test("the command's byte reader gives parseFolded's records and errors (a second parser as truth)", () => {
  const inputs = [
    "a;b 1\r\n\n   \nmy func;other one 2.5   \n\t\nc .5",
    "\ufeffa;b 3\na;c 2\n",
    "a;b 3\u00a0\n\u00a0a;c 2\n\u3000\n",
    "café;日本 3\n日本;x 2\ncafé;日本;z 1\n",
    "a;;b 1\n;a 2\na; 3\n   a;b 1\n\t a;c 2",
    "a 1e3\nb 1.\nc 0.25\nd 000012\ne 12345678901234567890\nf 0\n",
    "a;b\t\t 5\nc \t6\na\rb;c 1\nd 2\r\r\n<script>;]]> 1\n",
  ];
  for (const text of inputs)
    assert.deepEqual(unpackStacks(packFolded(text, "f")), parseFolded(text, "f"), JSON.stringify(text));
  for (const text of ["a 1\nb 2\nc x\n", "a 1\n\na;b\n", "a -1\n", "a 1\n 5\n", "a 1e999\n"]) {
    let want = "";
    try {
      parseFolded(text, "f");
    } catch (e) {
      want = (e as Error).message;
    }
    assert.throws(() => packFolded(text, "f"), { message: want }, JSON.stringify(text));
  }
});
