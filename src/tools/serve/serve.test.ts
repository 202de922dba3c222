// tsnap serve against a real capture of workloads whose threads are known (2 spinning
// threads: RUN or RUNQ together 2.0 avg threads; one thread sleeping 100 ms per
// clock_nanosleep: every such call in log2 slot 65536..131071 µs), over HTTP on a free
// port: the API's numbers, its equality with `tsnap query`, hostile requests refused with
// one line, and the token off loopback.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../../testkit/cli.js";
import {
  captureSpinners,
  type ServeProcess,
  SLEEP_MS,
  type SpinCapture,
  startServe,
} from "../../testkit/serve-capture.js";
import { frameNamed, svgFrames } from "../../testkit/svg-frames.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";

const N = 2;
let cap: SpinCapture;
let srv: ServeProcess;

before(async () => {
  cap = await captureSpinners(N, 8);
  srv = await startServe([cap.dir, "--port", "0"]);
});

after(async () => {
  await srv?.stop();
  cap?.remove();
});

async function api(path: string) {
  const r = await fetch(srv.origin + path);
  const text = await r.text();
  assert.equal(r.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

/** A raw GET (the path sent byte for byte, unlike fetch), with extra headers. */
function rawGet(origin: string, path: string, headers: Record<string, string> = {}) {
  const u = new URL(origin);
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

test("the URL printed is loopback; /api/view shows the spinners as about N threads on or queued for a CPU", async (t) => {
  if (cap.note) t.diagnostic(cap.note);
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const v = await api("/api/view?g=state");
  const rows = v.table.rows as { state: string; avg_threads: number }[];
  const cpu = rows
    .filter((r) => r.state === "RUN" || r.state === "RUNQ")
    .reduce((a, r) => a + r.avg_threads, 0);
  assert.ok(Math.abs(cpu - N) <= 0.3, `RUN + RUNQ ${cpu}, expected ${N}: ${JSON.stringify(rows)}`);
  // The timeline: in every whole bucket, the CPU states stack to about N too.
  const perBucket = new Map<number, number>();
  for (const p of v.timeline as { t: number; key: string; avg: number }[])
    if (p.key === "RUN" || p.key === "RUNQ") perBucket.set(p.t, (perBucket.get(p.t) ?? 0) + p.avg);
  const inner = [...perBucket].sort((a, b) => a[0] - b[0]).slice(1, -1);
  assert.ok(inner.length >= 4, `buckets: ${inner.length}`);
  const mean = inner.reduce((a, [, x]) => a + x, 0) / inner.length;
  assert.ok(Math.abs(mean - N) <= 0.3, `timeline RUN + RUNQ per bucket ${mean}`);
});

test("/api/view's table is tsnap query's JSON for the same window and filters", async () => {
  const info = await api("/api/info");
  // A window of whole milliseconds around the data, as a brush gives.
  const fromUs = Math.floor(info.extent.startUs / 1000) * 1000;
  const toUs = Math.ceil(info.extent.endUs / 1000) * 1000;
  const v = await api(`/api/view?g=state,syscall&f=state%3DSLEEP&from=${fromUs}&to=${toUs}`);
  const text = (us: number) => new Date(us / 1000).toISOString().replace("Z", "");
  const q = await runCli([
    "query",
    cap.dir,
    "-g",
    "state,syscall",
    "-w",
    "state='SLEEP'",
    "--from",
    text(fromUs),
    "--to",
    text(toUs),
    "--lat",
    "none",
    "--format",
    "json",
  ]);
  assert.equal(q.code, 0, q.stderr);
  const want = (JSON.parse(q.stdout) as { rows: Record<string, unknown>[] }).rows;
  const key = (r: Record<string, unknown>) => `${r.state}|${r.syscall}`;
  const got = new Map((v.table.rows as Record<string, unknown>[]).map((r) => [key(r), r]));
  assert.equal(got.size, want.length, `${JSON.stringify([...got.values()])} vs ${q.stdout}`);
  for (const w of want) {
    const g = got.get(key(w));
    assert.ok(g, `missing ${key(w)}`);
    assert.equal(g.samples, w.samples);
    assert.ok(Math.abs(Number(g.avg_threads) - Number(w.avg_threads)) < 1e-9, key(w));
  }
  assert.ok(
    want.some((w) => w.syscall === "clock_nanosleep"),
    q.stdout,
  );
});

test("/api/hist: the sleeper's clock_nanosleep calls, each 100 ms, in the 65536-131071 µs slot", async (t) => {
  const h = await api("/api/hist?kind=sc");
  if (cap.source !== "bpf") {
    assert.equal(h.available, false);
    t.skip(`skipped: the proc source records no latency histograms (${cap.note})`);
    return;
  }
  const ns = (h.hists as { key: string; n: number; slots: number[] }[]).find(
    (x) => x.key === "clock_nanosleep",
  );
  assert.ok(ns, JSON.stringify(h));
  const expected = (cap.seconds * 1000) / SLEEP_MS;
  assert.ok(Math.abs(ns.n - expected) <= 3, `${ns.n} calls, expected ${expected}`);
  assert.ok(ns.slots[16] >= ns.n - 1, `slot 16: ${ns.slots[16]} of ${ns.n}: ${JSON.stringify(ns.slots)}`);
  const io = await api("/api/hist?kind=io&f=state%3DRUN");
  assert.equal(io.available, true);
  assert.equal(io.filtered, false, "state is not a column of the histograms: said, not hidden");
});

test("/api/flame.svg: a thread-state flame graph whose RUN + RUNQ frames are about N threads wide", async () => {
  const r = await fetch(`${srv.origin}/api/flame.svg?levels=state,comm`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-security-policy") ?? "", /sandbox allow-scripts/);
  const frames = svgFrames(await r.text());
  const root = frames.find((f) => f.name === "all")!;
  const total = Number(root.info.split(" ")[0]);
  const width = (name: string) =>
    frames.filter((f) => f.name === name).reduce((a, f) => a + (f.width / root.width) * total, 0);
  const cpu = width("RUN") + width("RUNQ");
  assert.ok(Math.abs(cpu - N) <= 0.3, `RUN + RUNQ frames ${cpu}`);
});

/** `tsnap query DIR -g COLS --format json` over [fromUs, toUs): its rows. */
async function queryRows(groups: string, fromUs: number, toUs: number) {
  const text = (us: number) => new Date(us / 1000).toISOString().replace("Z", "");
  const q = await runCli(
    ["query", cap.dir, "-g", groups, "--from", text(fromUs), "--to", text(toUs), "--lat", "none"].concat([
      "--format",
      "json",
    ]),
  );
  assert.equal(q.code, 0, q.stderr);
  return (JSON.parse(q.stdout) as { rows: Record<string, unknown>[] }).rows;
}

test("/api/flame.svg with bfrom/bto: the differential graph of two halves; widths and deltas per state are tsnap query's", async () => {
  // One level: the states are the leaves, which carry the deltas (flamegraph.pl's rule).
  const info = await api("/api/info");
  const a = Math.floor(info.extent.startUs / 1000) * 1000;
  const c = Math.ceil(info.extent.endUs / 1000) * 1000;
  const b = Math.round((a + c) / 2000) * 1000;
  const r = await fetch(`${srv.origin}/api/flame.svg?levels=state&from=${b}&to=${c}&bfrom=${a}&bto=${b}`);
  const svg = await r.text();
  assert.equal(r.status, 200, svg);
  assert.match(svg, /Thread states: differential/);
  const frames = svgFrames(svg);
  const root = frames.find((f) => f.name === "all")!;
  const total = Number(root.info.split(" ")[0]);
  const avgOf = (rows: Record<string, unknown>[]) =>
    new Map(rows.map((x) => [String(x.state), Number(x.avg_threads)]));
  const after = avgOf(await queryRows("state", b, c));
  const before = avgOf(await queryRows("state", a, b));
  assert.ok(after.size > 0 && before.size > 0);
  for (const [state, avg] of after) {
    const f = frames.find((x) => x.name === state && Math.abs(x.y - root.y) > 1 && x.y > root.y - 20);
    assert.ok(f, `frame ${state}: ${frames.map((x) => x.name).join(",")}`);
    // "1.23 avg threads, 41.00%; +3.10%": width, its share, the change as a share of the total.
    const m = /^([\d.,]+) avg threads, [\d.]+%; ([+-]?[\d.]+)%$/.exec(f.info);
    assert.ok(m, f.info);
    assert.ok(Math.abs(Number(m[1]) - avg) <= 0.006, `${state}: ${f.info} vs ${avg}`);
    const delta = (Number(m[2]) * total) / 100;
    const want = avg - (before.get(state) ?? 0);
    assert.ok(Math.abs(delta - want) <= 0.01 * Math.max(1, total), `${state} delta ${delta} vs ${want}`);
  }
  const bad = await fetch(`${srv.origin}/api/flame.svg?bfrom=5`);
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /^tsnap: bfrom and bto go together\n$/);
});

test("/api/values and /api/info answer; the page's files are served with a CSP that allows no inline script", async () => {
  const vals = await api("/api/values?column=state");
  assert.ok((vals.values as { value: string }[]).some((x) => x.value === "SLEEP"));
  // Process ids come with a name (the process picker of tsnap ui lists the same).
  const pids = (await api("/api/values?column=tgid")).values as {
    value: string;
    avg: number;
    name: string;
  }[];
  assert.ok(pids.length > 0);
  assert.ok(
    pids.every((x) => Number.isFinite(x.avg) && typeof x.name === "string" && x.name.length > 0),
    JSON.stringify(pids),
  );
  const info = await api("/api/info");
  assert.equal(info.live, false);
  assert.ok((info.columns as { name: string }[]).some((c) => c.name === "syscall"));
  const page = await fetch(`${srv.origin}/`);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const html = await page.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/, "no inline style or handler");
  for (const f of ["/app.js", "/model/view-state.js", "/model/view-url.js"]) {
    const r = await fetch(srv.origin + f);
    assert.equal(r.status, 200, f);
    assert.match(r.headers.get("content-type") ?? "", /javascript/);
  }
});

test("hostile requests get a 4xx and one line, never a stack; a quote in a value is a value, not SQL", async () => {
  const cases: [string, number][] = [
    ["/api/view?g=state;DROP%20TABLE%20samples", 400],
    ["/api/view?g=state,(select%201)", 400],
    ["/api/view?f=syscall=x&f=1=1%20OR%201", 400],
    ["/api/view?f=nosuchcolumn=1", 400],
    ["/api/view?by=state%0ASELECT", 400],
    ["/api/view?by=read_text('/etc/shadow')", 400],
    ["/api/view?sort=-read_text", 400],
    ["/api/view?from=0&to=9007199254740991", 400],
    ["/api/view?from=-5&to=10", 400],
    ["/api/view?from=1&to=99999999999999999999", 400],
    ["/api/view?cols=99999999", 400],
    ["/api/view?sql=select%201", 400],
    ["/api/hist?kind=sc;drop", 400],
    ["/api/flame.svg?levels=state,read_csv('/etc/passwd')", 400],
    ["/api/view?f=syscall~(((", 400],
    ["/../../../../etc/passwd", 400],
    ["/model/../../../../etc/passwd", 400],
    ["/%2e%2e/%2e%2e/etc/passwd", 400],
    ["/model/..%2f..%2fcli%2fmain.js", 400],
    ["/static\\..\\..\\etc\\passwd", 400],
    ["/etc/passwd", 404],
    ["/api/nothing", 404],
    [`/api/view?g=${"a".repeat(9000)}`, 414],
  ];
  for (const [path, status] of cases) {
    const r = await rawGet(srv.origin, path);
    assert.equal(r.status, status, `${path}: ${r.status} ${r.body}`);
    assert.match(r.body, /^tsnap: [^\n]+\n$/, `${path}: one line: ${JSON.stringify(r.body)}`);
    assert.doesNotMatch(r.body, /\bat .*\.js:\d+/, path);
  }
  // The value is bound as a parameter: it matches no syscall, and nothing breaks.
  const inj = await api(`/api/view?g=syscall&f=${encodeURIComponent("syscall=x' OR '1'='1")}`);
  assert.deepEqual(inj.table.rows, []);
  const post = await fetch(`${srv.origin}/api/view`, { method: "POST", body: "x" });
  assert.equal(post.status, 405);
  // A page elsewhere resolving its name to 127.0.0.1 (DNS rebinding) is refused.
  const rebound = await rawGet(srv.origin, "/api/info", { Host: "attacker.example:80" });
  assert.equal(rebound.status, 403);
  assert.equal(srv.child.exitCode, null, "the server still runs");
});

test("off loopback: no token, 401; the printed link sets a cookie; Bearer works", async () => {
  const open = await startServe([cap.dir, "--port", "0", "--bind", "0.0.0.0"]);
  try {
    const u = new URL(open.url);
    const token = u.searchParams.get("token");
    assert.ok(token && token.length >= 24, open.url);
    const origin = `http://127.0.0.1:${u.port}`;
    const none = await rawGet(origin, "/api/info");
    assert.equal(none.status, 401);
    assert.match(none.body, /^tsnap: a token is needed[^\n]*\n$/);
    assert.equal(
      (await rawGet(origin, "/api/info", { Authorization: "Bearer wrong-token-000000000" })).status,
      401,
    );
    const link = await rawGet(origin, `/?token=${token}&g=comm`);
    assert.equal(link.status, 303);
    assert.equal(link.headers.location, "/?g=comm");
    const cookie = String(link.headers["set-cookie"]).split(";")[0];
    assert.match(String(link.headers["set-cookie"]), /HttpOnly; SameSite=Strict/);
    assert.equal((await rawGet(origin, "/api/info", { Cookie: cookie })).status, 200);
    assert.equal((await rawGet(origin, "/", { Authorization: `Bearer ${token}` })).status, 200);
  } finally {
    await open.stop();
  }
});

test("--live: samples now; the data's end moves each second and the spinners show as about N threads", async (t) => {
  const spin = await startWorkload(compileWorkload("spin"), [String(N), "40"]);
  let live: ServeProcess | null = null;
  try {
    live = await startServe(["--live", "-p", String(spin.child.pid), "--hz", "5", "--port", "0"]);
    const get = async (path: string) => {
      const r = await fetch(live!.origin + path);
      const text = await r.text();
      assert.equal(r.status, 200, text);
      return JSON.parse(text);
    };
    const info = await get("/api/info");
    assert.equal(info.live, true);
    t.diagnostic(info.source);
    await new Promise((r) => setTimeout(r, 4000));
    const a = await get("/api/view?g=state");
    await new Promise((r) => setTimeout(r, 2500));
    const b = await get("/api/view?g=state");
    assert.ok(
      b.extent.endUs - a.extent.endUs >= 1.5e6,
      `end moved ${(b.extent.endUs - a.extent.endUs) / 1e6} s`,
    );
    const rows = b.table.rows as { state: string; avg_threads: number }[];
    const cpu = rows
      .filter((r) => r.state === "RUN" || r.state === "RUNQ")
      .reduce((x, r) => x + r.avg_threads, 0);
    assert.ok(Math.abs(cpu - N) <= 0.3, `live RUN + RUNQ ${cpu}: ${JSON.stringify(rows)}`);

    // On-CPU flame graph of the spinning process for 2 s (tsnap profile): its threads spin
    // in spin(), so nearly every sample is under that frame.
    if (process.getuid?.() !== 0) t.diagnostic("profile.svg not tried: tsnap profile needs root");
    else {
      const pid = spin.child.pid;
      const r: Response = await fetch(`${live!.origin}/api/profile.svg?kind=cpu&pid=${pid}&seconds=2`);
      const svg = await r.text();
      assert.equal(r.status, 200, svg);
      assert.match(r.headers.get("content-security-policy") ?? "", /sandbox/);
      assert.match(svg, new RegExp(`On-CPU flame graph of PID ${pid}`));
      const frames = svgFrames(svg);
      const all = frameNamed(frames, "all");
      const spinning = frames.filter((f) => f.name === "spin").reduce((a, f) => a + f.width, 0);
      assert.ok(spinning >= 0.9 * all.width, `spin() ${spinning} of ${all.width}`);
      // The sleeper sleeps 100 ms a call: off CPU the whole 2 s, in clock_nanosleep
      // (offcputime counts a stretch when the thread runs again: each call's 100 ms).
      const sleeper = await startWorkload(compileWorkload("sleep-loop"), [String(SLEEP_MS), "20"]);
      try {
        const off = await fetch(
          `${live!.origin}/api/profile.svg?kind=offcpu&pid=${sleeper.child.pid}&seconds=2`,
        );
        const offSvg = await off.text();
        assert.equal(off.status, 200, offSvg);
        assert.match(offSvg, /Off-CPU flame graph/);
        const offFrames = svgFrames(offSvg);
        const total = frameNamed(offFrames, "all");
        const sleeping = offFrames
          .filter((f) => /nanosleep/.test(f.name))
          .reduce((a, f) => Math.max(a, f.width), 0);
        assert.ok(sleeping >= 0.9 * total.width, `nanosleep ${sleeping} of ${total.width}`);
        // Counted: the sleeps that began and ended within the 2 s, so up to a sleep is lost
        // at each end; a CI machine read 1.70 s (one more sleep missing, cause not found).
        const us = Number(/([\d,]+) µs/.exec(total.info)?.[1].replaceAll(",", ""));
        assert.ok(
          us >= 2e6 - 3 * SLEEP_MS * 1e3 && us <= 2.25e6,
          `off CPU ${total.info}, expected 2 s less at most 3 sleeps of ${SLEEP_MS} ms`,
        );
      } finally {
        await sleeper.stop();
      }
    }
    for (const bad of ["kind=gpu&pid=1", "pid=0", "pid=1&seconds=31", "pid=1&x=1", "kind=cpu"]) {
      const res: Response = await fetch(`${live!.origin}/api/profile.svg?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match(await res.text(), /^tsnap: [^\n]+\n$/);
    }
  } finally {
    assert.equal(await live?.stop(), 0, live?.stderr());
    await spin.stop();
  }
});

const DEMO = join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo");

test("the xcapture demo hour: 10 minutes, drill DISK → pread64 by filename, the table is tsnap query's", {
  skip: existsSync(DEMO) ? false : `skipped: demo data not found at ${DEMO}`,
}, async () => {
  const demo = await startServe([DEMO, "--port", "0"], 60_000);
  try {
    const info = await (await fetch(`${demo.origin}/api/info`)).json();
    const fromUs = Math.floor(info.extent.startUs / 1e6) * 1e6 + 600e6;
    const toUs = fromUs + 600e6;
    const path = `/api/view?g=filenamesum&f=state%3DDISK&f=syscall%3Dpread64&from=${fromUs}&to=${toUs}`;
    const r = await fetch(demo.origin + path);
    const v = await r.json();
    assert.equal(r.status, 200, JSON.stringify(v));
    const text = (us: number) => new Date(us / 1000).toISOString().replace("Z", "");
    const q = await runCli([
      "query",
      DEMO,
      "-g",
      "filenamesum",
      "-w",
      "state='DISK' AND syscall='pread64'",
      "--from",
      text(fromUs),
      "--to",
      text(toUs),
      "--lat",
      "none",
      "--format",
      "json",
    ]);
    assert.equal(q.code, 0, q.stderr);
    const want = (JSON.parse(q.stdout) as { rows: Record<string, unknown>[] }).rows;
    const rows = v.table.rows as Record<string, unknown>[];
    assert.ok(want.length > 0);
    assert.deepEqual(
      rows.map((x) => [x.filenamesum, x.samples, Number(x.avg_threads).toFixed(9)]),
      want.map((x) => [x.filenamesum, x.samples, Number(x.avg_threads).toFixed(9)]),
    );
    assert.match(v.command, /-g filenamesum -w "state='DISK' AND syscall='pread64'" --from /);
  } finally {
    await demo.stop();
  }
});

test("/api/lanes: the workload's threads: N spinners on or queued for a CPU in every bucket, spin's main thread and the sleeper asleep", async () => {
  const a = await api("/api/lanes?cols=20");
  const lanes = a.lanes as { tid: number; comm: string; states: (string | null)[] }[];
  // spin.c: a main thread waiting in pthread_join and N spinners; sleep-loop.c: one thread.
  assert.equal(a.threads, N + 2, JSON.stringify(lanes));
  assert.equal(lanes.length, N + 2);
  // The workloads are compiled under names with a hash (spin-05ecef7998).
  const name = (l: (typeof lanes)[number]) => (l.comm.startsWith("spin") ? "spin" : l.comm);
  const seen = (l: (typeof lanes)[number]) => l.states.filter((x) => x !== null) as string[];
  const buckets = (cap.seconds * 1e6) / a.bucketUs;
  for (const l of lanes) assert.ok(seen(l).length >= buckets - 2, `${l.tid}: ${l.states.join(",")}`);
  const cpu = lanes.filter((l) => seen(l).every((x) => x === "RUN" || x === "RUNQ"));
  const asleep = lanes.filter((l) => seen(l).every((x) => x === "SLEEP"));
  assert.deepEqual(cpu.map(name), Array(N).fill("spin"), JSON.stringify(lanes));
  assert.deepEqual(asleep.map(name).sort(), ["sleep-loop", "spin"], JSON.stringify(lanes));
  // Narrowed by a filter: only the sleeper's lane.
  const one = await api("/api/lanes?f=comm%3Dsleep-loop&threads=5");
  assert.deepEqual(
    one.lanes.map((l: { comm: string }) => l.comm),
    ["sleep-loop"],
  );
  // Profiles of a process are for --live only.
  const hist = await fetch(`${srv.origin}/api/profile.svg?kind=cpu&pid=1&seconds=1`);
  assert.equal(hist.status, 404);
  for (const bad of ["threads=0", "threads=201", "cols=5", "depth=3"]) {
    const r = await fetch(`${srv.origin}/api/lanes?${bad}`);
    assert.equal(r.status, 400, bad);
    assert.match(await r.text(), /^tsnap: [^\n]+\n$/);
  }
});

test("/api/stacks: the top kernel and user stacks are tsnap query --stacks's for the same window and filter", async () => {
  const info = await api("/api/info");
  const fromUs = Math.floor(info.extent.startUs / 1000) * 1000;
  const toUs = Math.ceil(info.extent.endUs / 1000) * 1000;
  const a = await api(`/api/stacks?f=comm%3Dsleep-loop&from=${fromUs}&to=${toUs}`);
  const text = (us: number) => new Date(us / 1000).toISOString().replace("Z", "");
  for (const kind of ["kernel", "user"] as const) {
    const q = await runCli([
      "query",
      cap.dir,
      "--stacks",
      kind,
      "-w",
      "comm='sleep-loop'",
      "--from",
      text(fromUs),
      "--to",
      text(toUs),
      "--limit",
      "10",
      "--format",
      "json",
    ]);
    assert.equal(q.code, 0, q.stderr);
    const want = (JSON.parse(q.stdout) as { stacks: unknown[] }).stacks;
    assert.deepEqual(a[kind], want, kind);
  }
  // The sleeper's samples all have a stack with the bpf source (it records kernel stacks).
  if (cap.source === "bpf") assert.ok(a.kernel.length > 0, JSON.stringify(a));
});

test("bad flags: one line and exit 2", async () => {
  for (const argv of [
    ["serve", "--port", "70000"],
    ["serve", "--hz", "5", cap.dir],
    ["serve", "--live", cap.dir],
    ["serve", "--token-file", "/nonexistent"],
  ]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^tsnap: [^\n]+\n$/);
  }
  const help = await runCli(["serve", "--help"]);
  assert.match(help.stdout, /EXAMPLES/);
});

test("SIGTERM while requests wait for DuckDB: the ones waiting are dropped and serve exits 0 at once", {
  skip: existsSync(DEMO) ? false : `skipped: demo data not found at ${DEMO}`,
}, async () => {
  const demo = await startServe([DEMO, "--port", "0"], 60_000);
  // A dozen timelines stacked by comm (~0.1-0.3 s each here) queue behind each other.
  const asked = Array.from({ length: 12 }, (_, i) =>
    fetch(`${demo.origin}/api/view?g=state,syscall&by=comm&cols=${100 + i}`).then(
      (r) => r.status,
      () => "dropped",
    ),
  );
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  const killer = setTimeout(() => demo.child.kill("SIGKILL"), 15_000);
  try {
    assert.equal(await demo.stop(), 0, `exit code after SIGTERM; stderr: ${demo.stderr()}`);
    assert.ok(performance.now() - t0 < 10_000, `exited ${performance.now() - t0} ms after SIGTERM`);
  } finally {
    clearTimeout(killer);
  }
  const got = await Promise.all(asked);
  assert.ok(
    got.every((x) => x === 200 || x === 503 || x === "dropped"),
    got.join(","),
  );
});
