// `tsnap biosnoop`: every block I/O as it completes, with the task that submitted it, the
// disk, sector, size and latency, like bcc/libbpf-tools biosnoop (same options, same
// layout) but on block tracepoints only (biosnoop.bpf.c). Prints until Ctrl-C or the end
// of [duration], and says how many I/Os the kernel could not send.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, jsonFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { diskDev, partitions } from "../block-devices.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./biosnoop.tool.js";
import { type BiosnoopConfig, decodeEvent, LOST_WORDS } from "./biosnoop-records.js";
import { header, jsonLine, line } from "./biosnoop-report.js";

const FLAGS = {
  queued: switchFlag({
    long: "queued",
    short: "Q",
    help: "a QUE(ms) column: time queued in the OS before issue",
  }),
  disk: textFlag({ long: "disk", short: "d", arg: "DISK", help: "trace this disk only (sda, nvme0n1, vda)" }),
  cgroup: cgroupFlag("the task that submitted the I/O is checked"),
  json: jsonFlag("I/O"),
};

const HELP = `tsnap biosnoop: trace block device I/O, one line per request (bcc biosnoop)

USAGE
  tsnap biosnoop [-Q] [-d DISK] [-c CGROUP] [--json] [duration]

Prints one line per block I/O request as it completes: the task that submitted it (the
task that made its first bio into a request: block_getrq), the disk, the operation
(R, W, WS, F...), the first sector, the size and the time from issue to completion (with
-Q also the time queued in the OS before issue). On block tracepoints: libbpf-tools'
biosnoop needs a kprobe. Runs until Ctrl-C or for duration seconds. Needs root.

OPTIONS
${flagHelp(FLAGS, true, [{ name: "duration", help: "seconds to trace (default: until Ctrl-C)" }])}
EXAMPLES
  sudo tsnap biosnoop                   every I/O until Ctrl-C
  sudo tsnap biosnoop -Q 10             10 s, with OS queue time
  sudo tsnap biosnoop -d nvme0n1        one disk
  sudo tsnap biosnoop -c /sys/fs/cgroup/system.slice/mysql.service
  sudo tsnap biosnoop --json | jq -c 'select(.latency_ns > 10000000)'
`;

interface Options extends BiosnoopConfig {
  diskName?: string;
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError (an unknown disk: InputError). */
export function parseOptions(argv: string[], disks: () => Map<number, string> = partitions): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  let durationS = Infinity;
  if (positionals.length) {
    durationS = Number(positionals[0]);
    if (!/^\d+(\.\d+)?$/.test(positionals[0]) || durationS <= 0)
      throw new UsageError(`duration must be a positive number of seconds, got '${positionals[0]}'`);
  }
  return {
    dev: v.disk === undefined ? 0 : diskDev(v.disk, disks()),
    queued: v.queued,
    cgroup: v.cgroup,
    durationS,
    json: v.json,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("biosnoop");
  const { loadBiosnoop } = await import("./biosnoop-load.js");
  const names = partitions();
  const src = loadBiosnoop(o);
  let first: bigint | undefined;
  const loop = {
    json: o.json,
    header: header(o.queued),
    tracing: "Tracing block device I/O",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const disk = names.get(e.dev) ?? "Unknown";
    if (o.json) return jsonLine(e, clock.wall(e.ts), disk);
    first ??= e.ts;
    return line(e, o.queued, Number(e.ts - first) / 1e9, disk);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
