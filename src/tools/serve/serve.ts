// tsnap serve: the web view of thread activity (the ASH timeline, the drill-down table of
// `tsnap ui`, latency histograms, the thread-state flame graph) on a local HTTP server.
// Argv and set-up only: the data is serve-data.ts (the query layer), the server
// serve-http.ts, the page web/ (its navigation is ui-model/, served to the browser as is).
import { decimalFlag, flagHelp, parseFlags, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { UsageError } from "../../errors.js";
import { LIVE_FLAGS, liveOptions } from "../ui/live-flags.js";
import { startLive } from "../ui/ui-live.js";
import { tool } from "./serve.tool.js";
import { isLoopback, newToken, readTokenFile } from "./serve-auth.js";
import { WebData } from "./serve-data.js";
import { startServer } from "./serve-http.js";

const DEFAULT_DIR = "/var/lib/tsnap";
const DEFAULT_PORT = 8047;

const SERVER_FLAGS = {
  port: decimalFlag({
    long: "port",
    arg: "N",
    help: `port to listen on (0: any free one; default ${DEFAULT_PORT})`,
    min: 0,
    max: 65535,
    integer: true,
    fallback: DEFAULT_PORT,
  }),
  bind: textFlag({
    long: "bind",
    arg: "ADDR",
    help: "address to listen on (default 127.0.0.1); any non-loopback address needs a token: generated and printed in the URL, or --token-file; sent as a cookie or Bearer header",
  }),
  tokenFile: textFlag({ long: "token-file", arg: "FILE", help: "the token for a non-loopback address" }),
};
const FLAGS = { ...SERVER_FLAGS, ...LIVE_FLAGS };

const help = `tsnap serve [DIR] [options]: the web view of thread activity, on tsnap capture or
0x.tools xcapture v3 files, or on this machine now (--live).

Starts a local HTTP server and prints its URL. The page (no CDN, nothing from the network)
shows: a timeline of avg threads per time bucket stacked by state (or by any column), in
which you drag to select a window that the whole page follows; the grouped table of
tsnap ui (click a value to drill down, + / - to include / exclude it, group-by columns,
breadcrumb, Back), the same numbers as tsnap query for the same window and filters; log2
histograms and heatmaps of every syscall and block I/O of the window; per-thread state
swimlanes, the top kernel and user stacks and the thread-state flame graph of the
selection; with --live, on-CPU and off-CPU flame graphs of a process recorded for N
seconds (tsnap profile / offcputime). The address holds the whole view: a link reopens it.
DIR defaults to $TSNAP_DIR or ${DEFAULT_DIR}.

The API the page uses answers scripts too (GET, JSON): /api/info, /api/view, /api/hist,
/api/heatmap, /api/values, /api/stacks, /api/lanes, /api/flame.svg, /api/profile.svg
(see serve.md). It is read-only: no SQL from the browser;
columns are checked against tsnap query's list, filter values bound as parameters.

OPTIONS
${flagHelp(SERVER_FLAGS)}
LIVE (this machine now, instead of DIR)
${flagHelp(LIVE_FLAGS, false)}
Ctrl-C stops the server.

EXAMPLES
  tsnap serve /var/lib/tsnap                 the always-on capture, at http://127.0.0.1:${DEFAULT_PORT}/
  tsnap serve ./cap --port 0                 any free port (the URL says which)
  sudo tsnap serve --live                    this machine now, the last 10 minutes, every second
  sudo tsnap serve --live --hz 20 -p postgres
  tsnap serve ./cap --bind 0.0.0.0           other machines too: open the printed URL (with its token)
  curl -s 'http://127.0.0.1:${DEFAULT_PORT}/api/view?g=state,syscall' | jq .table.rows
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals, given } = parseFlags(argv, FLAGS, 1);
  const host = v.bind ?? "127.0.0.1";
  const loopback = isLoopback(host);
  if (loopback && v.tokenFile !== undefined)
    throw new UsageError("--token-file goes with a non-loopback --bind");
  const token = loopback ? null : v.tokenFile !== undefined ? readTokenFile(v.tokenFile) : newToken();
  const live = liveOptions(v, given, positionals);

  const lv = live ? await startLive(live) : null;
  try {
    const dir = lv ? lv.dir : (positionals[0] ?? process.env.TSNAP_DIR ?? DEFAULT_DIR);
    const data = new WebData({
      dir,
      defaultUs: live ? live.minutes * 60e6 : 3600e6,
      live: lv !== null,
      describe: lv ? lv.describe : `history ${dir}`,
    });
    try {
      // Live: the first rows come after a round or two; history: unreadable files said now.
      if (lv) await firstRows(data, io.signal);
      else await data.open();
      const server = await startServer({ host, port: v.port, token, data, log: (line) => io.err(line) });
      try {
        io.out(`tsnap serve: ${server.url}  (${data.source.describe}; Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => {
          if (io.signal.aborted) resolve();
          io.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      } finally {
        await server.close();
      }
    } finally {
      await data.close();
    }
  } finally {
    await lv?.stop();
  }
  return 0;
}

/** Live: wait (up to 10 s) until the capture has written a round the views can read. */
async function firstRows(data: WebData, signal: AbortSignal): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await data.open();
      return;
    } catch (err) {
      if (i >= 40 || signal.aborted) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export const command: Command = toolCommand(tool, help, run);
