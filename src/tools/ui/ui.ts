// tsnap ui: the interactive terminal view (xtop's, on history and live): a timeline of
// avg threads stacked by state, the grouped table, drill-down, include/exclude, value
// picker, breadcrumb, zoom. Argv and set-up only: the model is ui-model/, the data
// ui-data.ts (the query layer), the screen ui-render.ts, the loop ui-app.ts.
import { flagHelp, parseFlags, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { groupFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { column } from "../../query/columns.js";
import { queryCommand } from "../../ui-model/view-query.js";
import { DEFAULT_VIEW_GROUPS, initialView, type View } from "../../ui-model/view-state.js";
import { viewFromQuery } from "../../ui-model/view-url.js";
import { LIVE_FLAGS, liveOptions } from "./live-flags.js";
import { tool } from "./ui.tool.js";
import { runApp } from "./ui-app.js";
import { UiData } from "./ui-data.js";
import { type LiveOptions, startLive } from "./ui-live.js";
import { colorModeOf } from "./ui-style.js";
import { Terminal } from "./ui-terminal.js";

const DEFAULT_DIR = "/var/lib/tsnap";

const VIEW_FLAGS = {
  group: groupFlag(`group by these columns first (default ${DEFAULT_VIEW_GROUPS.join(",")})`),
  view: textFlag({
    long: "view",
    arg: "QUERY",
    help: "open a view saved as URL text (g=...&f=...&from=...&to=...)",
  }),
};
const FLAGS = { ...LIVE_FLAGS, ...VIEW_FLAGS };

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
  ?  peek: latency heatmap, histograms   f  peek: thread-state icicle (flame)
  t  peek: thread swimlanes   Tab  (in a peek) top stacks, stacktiles, the other tabs
  r  refresh   y  the tsnap query command of this view   h  keys   q  quit

LIVE (this machine now, instead of DIR)
${flagHelp(LIVE_FLAGS, false)}
OPTIONS
${flagHelp(VIEW_FLAGS)}
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
  const { values: v, positionals, given } = parseFlags(argv, FLAGS, 1);
  let view: View = initialView();
  if (v.view !== undefined) {
    try {
      view = viewFromQuery(v.view);
    } catch (err) {
      throw new UsageError(`--view: ${(err as Error).message}`);
    }
  }
  if (v.group !== undefined) view = { ...view, groups: v.group };
  for (const g of view.groups) column(g, "-g");
  const live = liveOptions(v, given, positionals);
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
  positionals: string[];
  view: View;
  mode: ReturnType<typeof colorModeOf>;
  signal: AbortSignal;
  io: Io;
}

async function runView(live: LiveOptions | null, o: ViewOptions): Promise<number> {
  const { positionals, view, mode, signal, io } = o;
  if (live) {
    const lv = await startLive(live);
    const data = new UiData(lv.dir, live.minutes * 60e6, true);
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

export const command: Command = toolCommand(tool, help, run);
