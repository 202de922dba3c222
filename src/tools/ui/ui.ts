// tsnap ui: the interactive terminal view (xtop's, on history and live): a timeline of
// avg threads stacked by state, the grouped table, drill-down, include/exclude, value
// picker, breadcrumb, zoom. Argv and set-up only: the model is ui-model/, the data
// ui-data.ts (the query layer), the screen ui-render.ts, the loop ui-app.ts.
import { choiceFlag, listFlag, numberFlag, parseArgs, stringFlag } from "../../command/args.js";
import type { Command, Io } from "../../command/command.js";
import { parsePidFilter } from "../../command/pid-filter.js";
import { UsageError } from "../../errors.js";
import { column } from "../../query/columns.js";
import { SOURCE_CHOICES } from "../../sampler/open.js";
import { queryCommand } from "../../ui-model/view-query.js";
import { initialView, type View } from "../../ui-model/view-state.js";
import { viewFromQuery } from "../../ui-model/view-url.js";
import { runApp } from "./ui-app.js";
import { UiData } from "./ui-data.js";
import { startLive } from "./ui-live.js";
import { colorModeOf } from "./ui-style.js";
import { Terminal } from "./ui-terminal.js";

const DEFAULT_DIR = "/var/lib/tsnap";

const help = `tsnap ui [DIR] [options]: an interactive view of thread activity, xtop's
screens on tsnap capture or 0x.tools xcapture v3 files, or on this machine now (--live).

Across the top, a timeline of avg threads per time bucket stacked by state (RUN green,
RUNQ yellow, DISK blue; letters R Q D with NO_COLOR); below it the grouped table
(avg_threads, samples, group columns, latency columns with l), the same numbers as
tsnap query for the same window and filters. DIR defaults to $TSNAP_DIR or ${DEFAULT_DIR}.

KEYS
  ↑ ↓ ← →      move          ⏎  drill down into the cell   ␣  include / exclude the value
  /  values of the column    g  group-by columns           ⌫  back (breadcrumb, line 3)
  < >  move a group column   s  sort by the column         l  latency columns
  + -  zoom in / out         [ ]  earlier / later          0  default window
  r  refresh   y  the tsnap query command of this view   h ?  keys   q  quit

OPTIONS
  --live              sample this machine now (as tsnap capture does) instead of DIR
  --hz N              live: samples per second                        [default: 5]
  --minutes N         live: the window, the last N minutes           [default: 10]
  --source S          live: auto, proc or bpf                       [default: auto]
  -a, --all           live: sleeping threads too (default: active ones only)
  -p, --pid PIDS|RE   live: only these processes (PIDs or a thread-name regex)
  -g, --group COLS    group by these columns first             [default: state,syscall]
  --view QUERY        open a view saved as URL text (g=...&f=...&from=...&to=...)

The screen fits any terminal from 80x24 up and follows resizes; the terminal is restored
on q, Ctrl-C, SIGTERM and errors; a closed terminal (SIGHUP) ends it too. At q, the
equivalent tsnap query command is printed.

EXAMPLES
  tsnap ui /var/lib/tsnap                    the last hour of the always-on capture
  tsnap ui ./cap -g comm2,state              start grouped by process name and state
  tsnap ui --live                            this machine now, the last 10 minutes
  tsnap ui --live --hz 20 -p postgres        20 Hz, threads named postgres only
  tsnap ui ./demo --view 'g=syscall&f=state%3DDISK'   reopen a saved view
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseArgs(
    argv,
    {
      live: { type: "boolean" },
      hz: { type: "string" },
      minutes: { type: "string" },
      source: { type: "string" },
      all: { type: "boolean", short: "a" },
      pid: { type: "string", short: "p" },
      group: { type: "string", short: "g" },
      view: { type: "string" },
    },
    1,
  );
  let view: View = initialView();
  if (v.view !== undefined) {
    try {
      view = viewFromQuery(String(v.view));
    } catch (err) {
      throw new UsageError(`--view: ${(err as Error).message}`);
    }
  }
  if (v.group !== undefined) view = { ...view, groups: listFlag(v.group) };
  for (const g of view.groups) column(g, "-g");
  const live = Boolean(v.live);
  if (live && positionals.length) throw new UsageError("give DIR or --live, not both");
  if (!live)
    for (const f of ["hz", "minutes", "source", "all", "pid"] as const)
      if (v[f] !== undefined) throw new UsageError(`--${f} goes with --live`);
  const hz = numberFlag(v.hz, "--hz", { fallback: 5, min: 0.1, max: 100 });
  const minutes = numberFlag(v.minutes, "--minutes", { fallback: 10, min: 0.1, max: 1440 });
  const source = choiceFlag(v.source, "--source", SOURCE_CHOICES, "auto");
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError("tsnap ui needs a terminal (for scripts: tsnap query, or tsnap top)");

  const mode = colorModeOf(process.env);
  // A closed terminal (SIGHUP) ends the view like q: the live directory is still removed.
  const hangup = new AbortController();
  const onHup = () => hangup.abort();
  process.once("SIGHUP", onHup);
  const signal = AbortSignal.any([io.signal, hangup.signal]);
  try {
    return await runView(live, {
      hz,
      source,
      minutes,
      all: Boolean(v.all),
      pid: stringFlag(v.pid),
      positionals,
      view,
      mode,
      signal,
      io,
    });
  } finally {
    process.off("SIGHUP", onHup);
  }
}

interface ViewOptions {
  hz: number;
  source: (typeof SOURCE_CHOICES)[number];
  minutes: number;
  all: boolean;
  pid: string | undefined;
  positionals: string[];
  view: View;
  mode: ReturnType<typeof colorModeOf>;
  signal: AbortSignal;
  io: Io;
}

async function runView(live: boolean, o: ViewOptions): Promise<number> {
  const { hz, source, minutes, positionals, view, mode, signal, io } = o;
  if (live) {
    const lv = await startLive({
      hz,
      source,
      minutes,
      all: o.all,
      pid: parsePidFilter(o.pid),
    });
    const data = new UiData(lv.dir, minutes * 60e6);
    try {
      await runApp({
        data,
        screen: new Terminal(process.stdout, process.stdin),
        source: lv.describe,
        mode,
        view,
        signal,
        refreshMs: 1000,
        notices: () => lv.notices,
        failed: lv.failed,
      });
    } finally {
      data.close();
      await lv.stop();
    }
    return 0;
  }
  const dir = positionals[0] ?? process.env.TSNAP_DIR ?? DEFAULT_DIR;
  const data = new UiData(dir, 3600e6);
  try {
    // Files that cannot be read are one line here, before the screen changes.
    await data.reopen();
    const last = await runApp({
      data,
      screen: new Terminal(process.stdout, process.stdin),
      source: `history ${dir}`,
      mode,
      view,
      signal,
    });
    io.out(`${queryCommand(last, dir)}\n`);
  } finally {
    data.close();
  }
  return 0;
}

export const command: Command = {
  name: "ui",
  summary: "interactive terminal view of captured or live thread activity: timeline, drill-down (xtop)",
  help,
  run,
};
