// `tsnap cpufreq`: the frequency each CPU runs at when sampled, per process name and
// system-wide, like bcc/libbpf-tools cpufreq (same options, same layout). cpufreq.bpf.c
// samples and counts in the kernel; this module finds the frequencies to start from
// (cpufreq-records.ts: a machine without frequency scaling is said in one line), loads it
// and prints the histograms at the end (cpufreq-report.ts).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { onlineCpus } from "../../platform/cpus.js";
import { tool } from "./cpufreq.tool.js";
import { noScalingNote, readStartFreqs } from "./cpufreq-records.js";
import { renderJson, renderText } from "./cpufreq-report.js";

const FLAGS = {
  duration: durationFlag(),
  hz: decimalFlag({
    long: "frequency",
    short: "f",
    arg: "HZ",
    help: "samples per second per CPU (default 99)",
    min: 1,
    max: 10000,
    integer: true,
    fallback: 99,
  }),
  json: jsonFlag("histogram, at the end"),
};

const HELP = `tsnap cpufreq: CPU frequency at each CPU sample, per process name (bcc cpufreq)

USAGE
  tsnap cpufreq [-d SECONDS] [-f HZ] [--json]

Samples every CPU HZ times a second (a cpu-clock perf event) until Ctrl-C or for -d
seconds, and counts each sample, in the kernel, in a linear histogram of the frequency the
CPU was running at (200 MHz slots), per process name and system-wide (idle included).
The frequencies come from the power:cpu_frequency tracepoint, starting from each CPU's
cpufreq scaling_cur_freq. A machine without CPU frequency scaling (no
/sys/devices/system/cpu/cpu0/cpufreq: most VMs) is said in one line on stderr, and its
samples are counted at /proc/cpuinfo's fixed "cpu MHz": the histograms then show where the
CPU time went, not how fast. Options and layout are libbpf-tools' cpufreq. Needs root.

OPTIONS
${flagHelp(FLAGS, true)}
EXAMPLES
  sudo tsnap cpufreq                   until Ctrl-C
  sudo tsnap cpufreq -d 5              5 seconds
  sudo tsnap cpufreq -f 199 -d 10      at 199 samples per second per CPU
  sudo tsnap cpufreq --json -d 5 | jq -c '{comm, samples}'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS, 0);
  requireBpfPrivilege("cpufreq");
  const start = readStartFreqs(onlineCpus());
  const note = noScalingNote(start);
  if (note) io.err(note);
  const { loadCpufreq } = await import("./cpufreq-load.js");
  const src = loadCpufreq(o.hz, start);
  try {
    io.err("Sampling CPU freq system-wide & by process. Ctrl-C to end.\n");
    await waitOrAbort(o.duration * 1000, io.signal);
    if (io.signal.reason === "EPIPE") return 0;
    const h = src.read();
    io.out(o.json ? renderJson(h, new Date()) : renderText(h));
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
