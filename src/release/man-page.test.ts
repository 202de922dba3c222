// Man pages and completions from help texts and option specs (pure, on fixtures), and the
// spec probe on every command of the registry (no root needed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { COMMANDS } from "../cli/registry.js";
import { bashCompletion, zshCompletion } from "./completions.js";
import { helpSections, manPage, roffEscape } from "./man-page.js";
import { commandFlags, shortDescription } from "./option-specs.js";

const HELP = `tsnap demo: one line.

Text of the description.

OPTIONS
  -d, --duration SECONDS   how long (default 5)
      --format FMT         table or json   [default: table]
.dot at the start \\ and a backslash, µs

EXAMPLES
  tsnap demo -d 1
`;

test("help sections: the leading text is the DESCRIPTION, headings become sections", () => {
  const s = helpSections(HELP);
  assert.deepEqual(
    s.map(([h]) => h),
    ["DESCRIPTION", "OPTIONS", "EXAMPLES"],
  );
  assert.deepEqual(s[2][1], ["  tsnap demo -d 1"]);
  assert.deepEqual(helpSections("x\nDIFFERENTIAL (difffolded semantics)\n  --diff  two\n")[1], [
    "DIFFERENTIAL",
    ["(difffolded semantics)", "  --diff  two"],
  ]);
});

test("roff escaping: minus signs, backslashes, control characters at line start, non-ASCII", () => {
  assert.equal(roffEscape("-d, --duration"), "\\-d, \\-\\-duration");
  assert.equal(roffEscape(".dot \\ x"), "\\&.dot \\e x");
  assert.equal(roffEscape("µs → 1"), "\\[u00B5]s \\[u2192] 1");
});

test("a man page: .TH, NAME with the summary, no-fill sections, SEE ALSO", () => {
  const page = manPage({
    name: "tsnap-demo",
    summary: "a demo",
    help: HELP,
    version: "9.9",
    date: "2026-12-02",
    seeAlso: ["tsnap", "tsnap-top"],
  });
  assert.match(page, /^\.TH TSNAP\\-DEMO 1 "2026-12-02" "tsnap 9\.9" "tsnap manual"$/m);
  assert.match(page, /^\.SH NAME\ntsnap\\-demo \\- a demo$/m);
  assert.match(page, /^\.SH OPTIONS\n\.nf\n {2}\\-d, \\-\\-duration SECONDS/m);
  assert.match(page, /^\\&\.dot at the start \\e and a backslash, \\\[u00B5\]s$/m);
  assert.match(page, /^\.SH SEE ALSO\n\.BR tsnap \(1\),\n\.BR tsnap\\-top \(1\)\n$/m);
});

test("a flag's description in completions: its help to the first ';', cut at a word", () => {
  assert.equal(shortDescription("how long to run (default 5)"), "how long to run (default 5)");
  assert.equal(shortDescription("col=value, col!=value; quote values"), "col=value, col!=value");
  assert.equal(shortDescription("first line\nsecond line"), "first line");
  const long = shortDescription(`${"word ".repeat(30)}end`);
  assert.ok(long.length <= 75 && long.endsWith("word..."), long);
});

test("every registry command gives its declared flags through parseFlags; completions list them", async () => {
  const commands = await commandFlags(COMMANDS);
  assert.deepEqual(
    commands.map((c) => c.name),
    COMMANDS.map((c) => c.name),
  );
  const top = commands.find((c) => c.name === "top")!;
  assert.deepEqual(
    top.flags.find((f) => f.long === "duration"),
    {
      long: "duration",
      short: "d",
      takesValue: true,
      metavar: "SECONDS",
      description: top.flags[0].description,
    },
  );
  // Each flag as its command's --help names it: value name and words from the same declaration.
  for (const c of commands)
    for (const f of c.flags) {
      assert.ok(f.description, `${c.name} --${f.long} has words`);
      assert.equal(f.takesValue, f.metavar !== undefined, `${c.name} --${f.long}`);
      const names = `${f.short ? `-${f.short}, ` : ""}--${f.long}${f.metavar ? ` ${f.metavar}` : ""}`;
      assert.ok(c.help.includes(names), `${c.name} --help has '${names}'`);
    }
  // A directory's flag completes files (-c DIR of the bcc tools).
  const runqlat = commands.find((c) => c.name === "runqlat")!;
  assert.equal(runqlat.flags.find((f) => f.long === "cgroup")?.metavar, "DIR");
  assert.match(
    zshCompletion([runqlat]),
    /\{-c,--cgroup\}'\[only tasks under this cgroup v2 directory[^\]]*\]:DIR:_files'/,
  );
  const bash = bashCompletion(commands);
  const zsh = zshCompletion(commands);
  for (const c of commands) {
    assert.match(bash, new RegExp(`^    ${c.name}\\) opts='`, "m"));
    for (const f of c.flags) {
      assert.ok(bash.includes(`--${f.long}`), `bash: ${c.name} --${f.long}`);
      assert.ok(zsh.includes(`--${f.long}[`) || zsh.includes(`,--${f.long}}`), `zsh: ${c.name} --${f.long}`);
    }
  }
});
