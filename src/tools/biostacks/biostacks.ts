// `tsnap biostacks`: block I/O latency histograms per kernel stack at I/O init, like
// libbpf-tools biostacks (same options, same layout). biostacks.bpf.c takes the stack at
// block_io_start and sums each I/O's init → done time into a histogram in the kernel;
// this module prints them at the end (biostacks-report.ts).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag } from "../../command/flags.js";
import { diskDev, partitions } from "../block-devices.js";
import { durationPositional, runFor } from "../stack-tool.js";
import { tool } from "./biostacks.tool.js";
import { LOST_WORDS } from "./biostacks-records.js";
import { renderJson, renderText, sortRows } from "./biostacks-report.js";

const FLAGS = {
  disk: textFlag({ long: "disk", short: "d", arg: "DISK", help: "trace this disk only (sda, nvme0n1, vda)" }),
  milliseconds: switchFlag({ long: "milliseconds", short: "m", help: "histograms in milliseconds" }),
  json: jsonFlag("histogram"),
};

const ARGS = [{ name: "duration", help: "seconds to trace (default: until Ctrl-C)" }];

const HELP = `tsnap biostacks: block I/O latency per kernel stack at I/O init (bcc biostacks)

USAGE
  tsnap biostacks [-d DISK] [-m] [--json] [duration]

Traces block I/O and, at the end (Ctrl-C or duration seconds), prints one log2 histogram
of I/O latency (from init to completion) per process, disk and kernel stack where the
I/O was initiated: the task and stack at block_io_start (blk_account_io_start, as a bio
becomes a request), the time to block_io_done (blk_account_io_done). Shows which code
path (direct I/O, page-cache writeback, readahead, journal) issues the slow I/O. On block
tracepoints: libbpf-tools' biostacks needs kprobes. Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap biostacks                  until Ctrl-C
  sudo tsnap biostacks -d nvme0n1 10    one disk, 10 s
  sudo tsnap biostacks -m 5             histograms in ms
  sudo tsnap biostacks --json 10 | jq -c '{comm, leaf: .stack[0]}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 1);
  const durationS = durationPositional(positionals[0]);
  const disks = partitions();
  const dev = o.disk === undefined ? 0 : diskDev(o.disk, disks);
  requireBpfPrivilege("biostacks");
  const { loadBiostacks } = await import("./biostacks-load.js");
  const src = loadBiostacks({ dev, ms: o.milliseconds });
  try {
    io.err("Tracing block I/O with init stack... Hit Ctrl-C to end.\n");
    await runFor(durationS, io.signal, () => {});
    if (io.signal.reason === "EPIPE") return 0;
    const rows = sortRows(src.read());
    const unit = o.milliseconds ? "msecs" : "usecs";
    io.out(o.json ? renderJson(rows, disks, unit) : renderText(rows, disks, unit));
    const lost = src.lost();
    for (const k of ["start", "hists"] as const)
      if (lost[k] > 0) io.err(`WARNING: ${lost[k]} ${LOST_WORDS[k]}\n`);
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
