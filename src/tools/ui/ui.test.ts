// tsnap ui as a person uses it: the real program in a real terminal (tmux), keys sent one
// by one, the screen read back as text. Truths: tsnap query's JSON for the same window and
// filters (the 0x.tools demo hour), threads a workload was built to spin, and the
// terminal's own state (alternate screen, cursor, stty) after q and after Ctrl-C.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { type Reference, reference, snapshot } from "../../testkit/contention.js";
import { captureSpinners, SLEEP_MS } from "../../testkit/serve-capture.js";
import { startTmux, TMUX_MISSING, type TmuxPane } from "../../testkit/tmux.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";

const DEMO = join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo");
const noDemo = existsSync(DEMO) ? false : `demo data not found at ${DEMO}`;
const isRoot = process.getuid?.() === 0;

/** The shell line run in the pane: the UI, then what the terminal looks like after it. */
function shell(args: string[]): string {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return `node ${q(TSNAP_BIN)} ${args.map(q).join(" ")}; echo "EXIT=$?"; stty -a | tr '\\n' ' '; echo; sleep 600`;
}

interface ScreenRow {
  avg: string;
  samples: number;
  cells: string[];
}

/** The table rows on screen: "▶ 12.57  45269  DISK  pread64" → avg, samples, group cells. */
function tableRows(text: string): ScreenRow[] {
  const out: ScreenRow[] = [];
  for (const l of text.split("\n")) {
    const m = /^[▶ ] +(\d+\.\d\d) +(\d+) {2}(.*?)[+−]?$/.exec(l);
    if (m) out.push({ avg: m[1], samples: Number(m[2]), cells: m[3].trim().split(/ {2,}/) });
  }
  return out;
}

type QueryRow = Record<string, unknown> & { avg_threads: number; samples: number };

async function queryRows(args: string[]): Promise<QueryRow[]> {
  const r = await runCli(["query", ...args, "--format", "json", "--limit", "0"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { rows: QueryRow[] }).rows;
}

/** The screen's rows equal the query's first rows: avg_threads (2 decimals), samples, groups. */
function assertSameRows(screen: string, rows: QueryRow[], groups: string[]): void {
  const shown = tableRows(screen);
  assert.ok(shown.length > 0, screen);
  shown.forEach((s, i) => {
    const q = rows[i];
    assert.ok(q, `screen row ${i} beyond the query's ${rows.length} rows`);
    const want = [q.avg_threads.toFixed(2), q.samples, ...groups.map((g) => String(q[g] ?? "-"))];
    assert.deepEqual([s.avg, s.samples, ...s.cells], want, `row ${i}\n${screen}`);
  });
}

/** The words of a command line as ui-model/view-query.ts quotes them (bare, "…", '…'). */
function shellSplit(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|((?:'[^']*'|\\'|[^\s'"])+)/g)) {
    out.push(m[1] ?? m[2].replace(/'\\''/g, "'").replace(/^'|'$/g, "").replace(/\\'/g, "'"));
  }
  return out;
}

/** The live mode's directories in memory (tsnap-ui-*). */
function shmDirs(): string[] {
  return existsSync("/dev/shm") ? readdirSync("/dev/shm").filter((d) => d.startsWith("tsnap-ui-")) : [];
}

/**
 * The spinners' rows: RUN + RUNQ is 2 threads (they never sleep), split between RUN and
 * RUNQ as the kernel's schedstat says for the same threads over about the same time.
 */
function assertSpinners(screen: string, ref: Reference, tolerance: number): void {
  const avg = (state: string) =>
    Number(row(screen, (r) => r.cells[0].startsWith("spin") && r.cells[1] === state)?.avg ?? 0);
  const run = avg("RUN");
  const runq = avg("RUNQ");
  const what = `screen RUN ${run} RUNQ ${runq}, schedstat RUN ${ref.RUN.toFixed(2)} RUNQ ${ref.RUNQ.toFixed(2)}\n${screen}`;
  assert.ok(Math.abs(run + runq - 2) <= tolerance, what);
  assert.ok(Math.abs(run - ref.RUN) <= tolerance + 0.1, what);
}

function row(text: string, pred: (r: ScreenRow) => boolean): ScreenRow | undefined {
  return tableRows(text).find(pred);
}

/** Read and drawn: the status line counts rows and the title is not "working…". */
const ready = (t: string) => /row 1 of \d+/.test(t) && !/working…/.test(t.split("\n")[0]);

const tableText = (text: string) =>
  text
    .split("\n")
    .filter((l) => /^[▶ ] +\d+\.\d\d /.test(l) || /avg_threads/.test(l))
    .join("\n");

async function restored(p: TmuxPane): Promise<string> {
  const after = await p.waitFor(
    (t) => /EXIT=\d+/.test(t) && /speed/.test(t),
    10_000,
    "the shell after tsnap ui",
  );
  assert.equal(p.variable("alternate_on"), "0", "left the alternate screen");
  assert.equal(p.variable("cursor_flag"), "1", "the cursor is shown again");
  assert.match(after, / icanon /, "cooked mode again (stty icanon)");
  assert.match(after, / echo /, "echo again");
  return after;
}

test("demo hour: drill DISK → pread64 → group by filename equals tsnap query; Backspace returns to each screen; zoom; sizes; q restores", {
  skip: noDemo || TMUX_MISSING,
  timeout: 120_000,
}, async () => {
  // Opened through a path too long for the title (CI's checkout is deeper than ours): the
  // title keeps the path's end, the directory's own name.
  const links = mkdtempSync(join(tmpdir(), "tsnap-ui-a-directory-name-long-enough-to-push-the-title-over-"));
  const longDemo = join(links, "0xtools-v3-demo");
  symlinkSync(DEMO, longDemo);
  const p = startTmux(shell(["ui", longDemo]), { width: 100, height: 30, env: { NO_COLOR: "1" } });
  try {
    const first = await p.waitFor((t) => ready(t), 30_000, "the first table");
    assert.match(
      first.split("\n")[0],
      /^ tsnap ui · 2025-09-05 13:00:00 → 13:59:59 · 3600 s sampled · history …[^ ]*\/0xtools-v3-demo\s*$/,
    );
    const all = await queryRows([DEMO, "-g", "state,syscall", "--lat", "none"]);
    assertSameRows(first, all, ["state", "syscall"]);
    // The timeline shows DISK (letter D without colour) and the legend names it.
    assert.match(first, /D DISK/);

    // Down to the DISK row, right to the state column, Enter.
    const disk = all.findIndex((r) => r.state === "DISK" && r.syscall === "pread64");
    p.send([...Array(disk).fill("Down"), "Right", "Right", "Enter"]);
    const s1 = await p.waitFor((t) => /▸ state=DISK {3}group: syscall/.test(t) && ready(t));
    const diskRows = await queryRows([DEMO, "-g", "syscall", "-w", "state=DISK", "--lat", "none"]);
    assertSameRows(s1, diskRows, ["syscall"]);

    const pread = diskRows.findIndex((r) => r.syscall === "pread64");
    p.send([...Array(pread).fill("Down"), "Enter"]);
    const s2 = await p.waitFor((t) => /▸ state=DISK › syscall=pread64 {3}group: comm2/.test(t) && ready(t));
    const where = "state=DISK AND syscall=pread64";
    assertSameRows(s2, await queryRows([DEMO, "-g", "comm2", "-w", where, "--lat", "none"]), ["comm2"]);

    // g, type "filename", Enter: group by filename alone.
    p.send(["g"]);
    await p.waitFor((t) => /group by {2}\(type to search/.test(t));
    p.send(["filename"], true);
    await p.waitFor((t) => /: filename▏/.test(t) && / filenamesum /.test(t));
    p.send(["Enter"]);
    const s3 = await p.waitFor((t) => /group: filename {2}⌫ 3/.test(t) && ready(t));
    assertSameRows(s3, await queryRows([DEMO, "-g", "filename", "-w", where, "--lat", "none"]), ["filename"]);

    // Backspace: each earlier screen exactly.
    for (const [before, crumb] of [
      [s2, /▸ state=DISK › syscall=pread64 {3}group: comm2 {2}⌫ 2/],
      [s1, /▸ state=DISK {3}group: syscall {2}⌫ 1/],
      [first, /▸ all threads {3}group: state, syscall\s*$/m],
    ] as const) {
      p.send(["BSpace"]);
      const now = await p.waitFor((t) => crumb.test(t) && ready(t), 15_000, String(crumb));
      assert.equal(tableText(now), tableText(before));
    }

    // 200x60: more rows, nothing cut; zoom in; the y command gives the same numbers.
    p.resize(200, 60);
    const wide = await p.waitFor((t) => tableRows(t).length > tableRows(first).length && ready(t));
    for (const l of wide.split("\n")) assert.ok(l.length <= 200, l);
    p.send(["+"]);
    const zoomed = await p.waitFor((t) => /zoomed/.test(t) && /13:15:00 → 13:44:59/.test(t) && ready(t));
    p.send(["y"]);
    const withCmd = await p.waitFor((t) => / tsnap query .*--from/.test(t));
    const cmd = withCmd
      .split("\n")
      .find((l) => / tsnap query /.test(l))!
      .trim();
    const args = shellSplit(cmd).slice(2);
    assert.deepEqual(args.slice(1, 3), ["-g", "state,syscall"]);
    const zrows = await queryRows(args);
    assertSameRows(zoomed, zrows, ["state", "syscall"]);
    const total = (rows: QueryRow[]) => rows.reduce((a, r) => a + r.samples, 0);
    assert.ok(total(zrows) < 0.6 * total(all), `zoomed ${total(zrows)} of ${total(all)} samples`);
    assert.ok(total(zrows) > 0.4 * total(all), `zoomed ${total(zrows)} of ${total(all)} samples`);
    p.send(["0"]);
    await p.waitFor((t) => !/zoomed/.test(t.split("\n")[0]) && /13:00:00 → 13:59:59/.test(t));

    // 80x24: every line fits, the title, breadcrumb, header, status and keys are there.
    p.resize(80, 24);
    const small = await p.waitFor(
      (t) => t.split("\n").length === 24 && ready(t) && tableRows(t).length === 13,
    );
    const lines = small.split("\n");
    for (const l of lines) assert.ok(l.length <= 80, l);
    assert.match(lines[0], /^ tsnap ui/);
    assert.match(small, /▸ all threads/);
    assert.match(lines[22], /row 1 of/);
    assert.match(lines[23], /q quit {2}h keys/);

    // h: the keys panel; any key closes it; q quits and prints the query of the view.
    p.send(["h"]);
    await p.waitFor((t) => /keys \(h or \? closes\)/.test(t) && /drill down/.test(t));
    p.send(["Escape"]);
    await p.waitFor((t) => !/keys \(h or/.test(t));
    p.send(["q"]);
    const after = await restored(p);
    // The line may wrap at 80 columns (the long path).
    assert.match(after.replaceAll("\n", ""), /tsnap query .*0xtools-v3-demo -g state,syscall --lat none/);
    assert.match(after, /EXIT=0/);
  } finally {
    p.kill();
    rmSync(links, { recursive: true, force: true });
  }
});

test("a capture of 2 spinning threads: the table shows about 2 threads on CPU for that process; Ctrl-C restores the terminal", {
  skip: TMUX_MISSING || (isRoot ? false : "needs root for the bpf source (RUN vs RUNQ)"),
  timeout: 90_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-ui-test-"));
  const w = await startWorkload(compileWorkload("spin"), ["2", "30"]);
  let p: TmuxPane | null = null;
  try {
    const pid = String(w.child.pid);
    const before = snapshot(Number(pid));
    const cap = await runTsnap(
      ["capture", "-o", `${dir}/cap`, "--format", "csv", "--hz", "10", "-p", pid, "-d", "5"],
      { timeoutMs: 30_000 },
    );
    const ref = reference(before, snapshot(Number(pid)));
    assert.equal(cap.code, 0, cap.stderr);
    p = startTmux(shell(["ui", `${dir}/cap`, "-g", "comm,state"]), {
      width: 100,
      height: 30,
      env: { NO_COLOR: "1" },
    });
    const screen = await p.waitFor((t) => ready(t), 30_000);
    assertSpinners(screen, ref, 0.25);
    p.send(["C-c"]);
    assert.match(await restored(p), /EXIT=0/);
  } finally {
    p?.kill();
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--live: within seconds the table shows the 2 spinning threads of a workload; Ctrl-C restores the terminal", {
  skip: TMUX_MISSING || (isRoot ? false : "needs root for the bpf source (RUN vs RUNQ)"),
  timeout: 90_000,
}, async () => {
  const before = shmDirs();
  const w = await startWorkload(compileWorkload("spin"), ["2", "40"]);
  const pid = String(w.child.pid);
  const start = snapshot(Number(pid));
  const p = startTmux(shell(["ui", "--live", "--hz", "10", "-p", pid, "-g", "comm,state"]), {
    width: 100,
    height: 30,
    env: { NO_COLOR: "1" },
  });
  try {
    // After at least 4 s of samples, spin's RUN + RUNQ is about 2 threads.
    const screen = await p.waitFor(
      (t) => {
        const m = /· (\d+) s sampled/.exec(t);
        return m !== null && Number(m[1]) >= 4 && row(t, (r) => r.cells[0].startsWith("spin")) !== undefined;
      },
      40_000,
      "4 s of live samples",
    );
    assert.match(screen.split("\n")[0], /live: bpf, 10 Hz, last 10 min/);
    const ref = reference(start, snapshot(Number(pid)));
    assertSpinners(screen, ref, 0.3);
    // The timeline's bars are RUN (R) for these threads.
    assert.match(screen, /R RUN/);
    p.send(["C-c"]);
    const after = await restored(p);
    assert.match(after, /EXIT=0/);
    // The in-memory capture directory is gone.
    assert.deepEqual(
      shmDirs().filter((d) => !before.includes(d)),
      [],
    );
  } finally {
    p.kill();
    await w.stop();
  }
});

test("tsnap ui without a terminal, or with bad flags: one clear line, exit 2", async () => {
  const notty = await runTsnap(["ui", DEMO]);
  assert.equal(notty.code, 2);
  assert.match(notty.stderr, /^tsnap: tsnap ui needs a terminal/);
  const both = await runTsnap(["ui", DEMO, "--live"]);
  assert.match(both.stderr, /^tsnap: give DIR or --live, not both/);
  const bad = await runTsnap(["ui", DEMO, "-g", "nosuch"]);
  assert.match(bad.stderr, /^tsnap: -g: unknown column 'nosuch'/);
  const view = await runTsnap(["ui", DEMO, "--view", "f=oops"]);
  assert.match(view.stderr, /^tsnap: --view: bad filter 'oops'/);
  assert.equal(bad.code, 2);
  assert.equal(view.code, 2);
});

test("--live: a closed terminal (SIGHUP) ends the view and removes the in-memory directory", {
  skip: TMUX_MISSING || (isRoot ? false : "needs root for the bpf source"),
  timeout: 60_000,
}, async () => {
  const before = shmDirs();
  const p = startTmux(shell(["ui", "--live", "--hz", "2", "-p", String(process.pid)]), {
    width: 100,
    height: 30,
    env: { NO_COLOR: "1" },
  });
  try {
    await p.waitFor((t) => /live: bpf/.test(t), 30_000, "the live view");
    assert.equal(shmDirs().filter((d) => !before.includes(d)).length, 1, "one directory while it runs");
  } finally {
    p.kill();
  }
  const end = Date.now() + 10_000;
  while (shmDirs().some((d) => !before.includes(d)) && Date.now() < end)
    await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    shmDirs().filter((d) => !before.includes(d)),
    [],
  );
});

test("? peeks at a row: the sleeper's 100 ms clock_nanosleep calls in the heatmap and histogram, counts as tsnap query --hist's", {
  skip: TMUX_MISSING || (!isRoot && "the bpf source (latency histograms) needs root"),
}, async (t) => {
  const cap = await captureSpinners(1, 8);
  let p: TmuxPane | undefined;
  try {
    if (cap.source !== "bpf") {
      t.skip(`skipped: the proc source records no latency histograms (${cap.note})`);
      return;
    }
    p = startTmux(shell(["ui", cap.dir, "-g", "syscall"]), {
      width: 100,
      height: 50,
      env: { NO_COLOR: "1" },
    });
    const first = await p.waitFor((x) => ready(x), 30_000, "the first table");
    const i = tableRows(first).findIndex((r) => r.cells[0] === "clock_nanosleep");
    assert.ok(i >= 0, first);
    for (let k = 0; k < i; k++) p.send(["Down"]);
    p.send(["?"], true);
    const peek = await p.waitFor((x) => /syscall = clock_nanosleep/.test(x), 20_000, "the peek");
    assert.match(peek, /peek: syscall=clock_nanosleep: latency of every call/);
    const r = await runCli([
      "query",
      cap.dir,
      "--hist",
      "sc",
      "-w",
      "syscall=clock_nanosleep",
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const n = (JSON.parse(r.stdout) as { histograms: { key: string; n: number }[] }).histograms[0].n;
    const shown = /syscall = clock_nanosleep +\((\d+) completions/.exec(peek);
    assert.ok(shown, peek);
    assert.equal(Number(shown[1]), n, "the histogram's count is tsnap query's");
    // The heatmap counts the same calls, on the 65ms line (slot 16: 65536-131071 µs).
    assert.match(peek, new RegExp(`\\b${n} calls; a column is`));
    assert.match(peek, /^ +65ms [ ░▒▓█]*[░▒▓█]/m);
    // The workload's truth: one call per 100 ms, every one in slot 16.
    const slot = /65536 -> 131071 +: (\d+)/.exec(peek);
    assert.ok(slot, peek);
    const expected = (cap.seconds * 1000) / SLEEP_MS;
    assert.ok(Math.abs(Number(slot[1]) - expected) <= 3, `${slot[1]} calls, expected ${expected}`);
    // Any key closes the peek: the same table again.
    p.send(["Escape"]);
    const again = await p.waitFor(
      (x) => /row \d+ of \d+/.test(x) && !/peek:/.test(x),
      10_000,
      "the table after the peek",
    );
    assert.deepEqual(tableRows(again), tableRows(first));
    p.send(["q"]);
    assert.match(await restored(p), /EXIT=0/);
  } finally {
    p?.kill();
    cap.remove();
  }
});

test("demo hour: t, Tab and f peek at comm=fio: its threads' swimlanes, top kernel stack (list and stacktiles) and icicle width equal tsnap query's", {
  skip: noDemo || TMUX_MISSING,
  timeout: 120_000,
}, async () => {
  const p = startTmux(shell(["ui", DEMO, "-g", "comm"]), { width: 110, height: 40, env: { NO_COLOR: "1" } });
  try {
    const first = await p.waitFor((t) => ready(t), 30_000, "the first table");
    const rows = await queryRows([DEMO, "-g", "comm", "--lat", "none"]);
    const fio = rows.findIndex((r) => r.comm === "fio");
    assert.ok(fio >= 0 && tableRows(first)[fio]?.cells[0] === "fio", first);
    p.send([...Array(fio).fill("Down"), "t"]);
    const lanes = await p.waitFor((t) => /peek: comm=fio: thread swimlanes/.test(t) && /a column is/.test(t));
    // The lanes: fio's busiest threads in tsnap query's order, each bucket the state with
    // most samples in `tsnap query -g tid,time_Ns,state` (NO_COLOR: D DISK, R RUN, ...).
    const bucketS = Number(/a column is (\d+) s/.exec(lanes)?.[1]);
    const shown = [...lanes.matchAll(/^ +(\d+) (\S+) +│(.*)$/gm)].map((m) => ({ tid: m[1], lane: m[3] }));
    const tids = await queryRows([DEMO, "-g", "tid", "-w", "comm=fio", "--lat", "none"]);
    assert.match(lanes, new RegExp(`the ${shown.length} busiest of ${tids.length} threads`));
    assert.deepEqual(
      shown.map((s) => s.tid),
      tids.slice(0, shown.length).map((r) => String(r.tid)),
    );
    const cells = await queryRows([
      DEMO,
      "-g",
      `tid,time_${bucketS}s,state`,
      "-w",
      "comm=fio",
      "--lat",
      "none",
    ]);
    const letter: Record<string, string> = { RUN: "R", RUNQ: "Q", DISK: "D", SLEEP: "s", VFORK: "V" };
    const start = Math.min(
      ...cells.map((r) => Date.parse(`${String(r[`time_${bucketS}s`]).replace(" ", "T")}Z`)),
    );
    for (const s of shown.slice(0, 5)) {
      const best = new Map<number, { n: number; state: string }>();
      for (const r of cells.filter((c) => String(c.tid) === s.tid)) {
        const i =
          (Date.parse(`${String(r[`time_${bucketS}s`]).replace(" ", "T")}Z`) - start) / (bucketS * 1000);
        if ((best.get(i)?.n ?? -1) < r.samples) best.set(i, { n: r.samples, state: String(r.state) });
      }
      const lane = s.lane.trimEnd();
      const offset = lane.search(/\S/);
      for (const [i, b] of best)
        assert.equal(lane[offset + i], letter[b.state] ?? "o", `tid ${s.tid} bucket ${i}: ${lane}`);
      assert.equal(lane.replaceAll(" ", "").length, best.size, `tid ${s.tid}: ${lane}`);
    }

    // Tab: latency (no histograms in 0x.tools files), Tab: the top stacks as tsnap query --stacks.
    p.send(["Tab"]);
    await p.waitFor((t) => /\[latency\]/.test(t) && /no latency histograms/.test(t));
    p.send(["Tab"]);
    const stacks = await p.waitFor((t) => /top kernel stacks/.test(t) && /\[stacks\]/.test(t));
    const r = await runCli(["query", DEMO, "--stacks", "kernel", "-w", "comm=fio", "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const top = (
      JSON.parse(r.stdout) as {
        stacks: { hash: string; samples: number; avg_threads: number; frames: string[] }[];
      }
    ).stacks[0];
    assert.match(
      stacks,
      new RegExp(`${top.avg_threads.toFixed(2)} avg_threads {2}${top.samples} samples {2}${top.hash}`),
    );
    assert.match(stacks, new RegExp(`^ {5}${top.frames[0].replace(/[+]/g, "\\+")}$`, "m"));
    // ↓ scrolls the stacks.
    p.send(["Down", "Down"]);
    await p.waitFor((t) => /\[stacks\]/.test(t) && !/top kernel stacks/.test(t));

    // Tab: stacktiles, the same first stack as a column headed by its avg threads.
    p.send(["Tab"]);
    const tiles = await p.waitFor((t) => /\[tiles\]/.test(t) && /top kernel stacks, leaf first/.test(t));
    assert.match(tiles, new RegExp(`#1 ${top.avg_threads.toFixed(2)} thr`));

    // f from the table: the icicle's full width is fio's avg threads, DISK under it.
    p.send(["Escape"]);
    await p.waitFor((t) => ready(t) && !/peek:/.test(t));
    p.send(["f"]);
    const flame = await p.waitFor(
      (t) => /peek: comm=fio: thread-state icicle/.test(t) && /full width/.test(t),
    );
    assert.match(flame, new RegExp(`full width ${rows[fio].avg_threads.toFixed(2)} avg threads`));
    assert.match(flame, /^▏all/m);
    assert.match(flame, /▏DISK/);
    for (const l of flame.split("\n")) assert.ok(l.length <= 110, l);
    p.send(["q"]);
    assert.match(await restored(p), /EXIT=0/);
  } finally {
    p.kill();
  }
});

test("demo hour: p picks a process by name: its pid and avg threads are tsnap query -g tgid's, Enter filters the table to it as -w tgid=PID does, Backspace returns", {
  skip: noDemo || TMUX_MISSING,
  timeout: 120_000,
}, async () => {
  const p = startTmux(shell(["ui", DEMO]), { width: 100, height: 30, env: { NO_COLOR: "1" } });
  try {
    const first = await p.waitFor((t) => ready(t), 30_000, "the first table");
    const byPid = await queryRows([DEMO, "-g", "tgid", "--lat", "none"]);
    const names = await queryRows([DEMO, "-g", "tgid,comm", "--lat", "none"]);
    // The truth: the processes whose threads are named ollama, busiest first.
    const ollama = new Set(names.filter((r) => r.comm === "ollama").map((r) => String(r.tgid)));
    const want = byPid.filter((r) => ollama.has(String(r.tgid)));
    assert.ok(want.length > 0, "the demo hour has an ollama process");
    p.send(["p"]);
    await p.waitFor((t) => / processes {2}\(type a name or pid/.test(t) && !/reading values/.test(t));
    p.send(["olla"], true);
    const picked = await p.waitFor((t) => /: olla▏/.test(t) && /ollama/.test(t), 10_000, "ollama listed");
    const listed = [...picked.matchAll(/^ {3}(\d+) +(\d+\.\d\d) {2}(\S+)/gm)].map((m) => [m[1], m[2], m[3]]);
    assert.deepEqual(
      listed,
      want.map((r) => [String(r.tgid), r.avg_threads.toFixed(2), "ollama"]),
      picked,
    );
    const pid = String(want[0].tgid);
    p.send(["Enter"]);
    const only = await p.waitFor(
      (t) => new RegExp(`▸ tgid=${pid} {3}group: state, syscall`).test(t) && ready(t),
      15_000,
      `tgid=${pid}`,
    );
    assertSameRows(
      only,
      await queryRows([DEMO, "-g", "state,syscall", "-w", `tgid=${pid}`, "--lat", "none"]),
      ["state", "syscall"],
    );
    p.send(["BSpace"]);
    const back = await p.waitFor((t) => !/tgid=/.test(t) && ready(t), 15_000, "the first view again");
    assert.equal(tableText(back), tableText(first));
    p.send(["q"]);
    assert.match(await restored(p), /EXIT=0/);
  } finally {
    p.kill();
  }
});
