// `tsnap ui --live`: the sampler and capture loop of `tsnap capture`, writing CSV hours
// into a private directory in memory (/dev/shm when there is one), which the view reads
// with the same queries as history. Removed at stop. Rows older than the window stay
// until their hour is deleted by retention (whole hours; never the open one).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureToDir } from "../../capture/capture-to-dir.js";
import type { Need, SamplerOptions } from "../../model/sampler.js";
import { openSampler, type SourceChoice } from "../../sampler/open.js";

export interface LiveOptions {
  hz: number;
  source: SourceChoice;
  minutes: number;
  pid?: Pick<SamplerOptions, "pids" | "comm">;
  all: boolean;
}

export interface Live {
  dir: string;
  /** "bpf source, 5 Hz" */
  describe: string;
  /** Lines the sampler and capture loop said (shown in the status line). */
  notices: string[];
  /** Set when the capture loop failed. */
  failed: () => unknown;
  stop(): Promise<void>;
}

function memoryDir(): string {
  try {
    if (statSync("/dev/shm").isDirectory()) return mkdtempSync("/dev/shm/tsnap-ui-");
  } catch {
    // no /dev/shm: the temp directory
  }
  return mkdtempSync(join(tmpdir(), "tsnap-ui-"));
}

export async function startLive(o: LiveOptions): Promise<Live> {
  const notices: string[] = [];
  const notice = (line: string) => {
    notices.push(line);
    if (notices.length > 20) notices.shift();
  };
  const needs = new Set<Need>(["syscall", "wchan", "username", "exe", "cmdline", "filename", "cgroup"]);
  const opts: SamplerOptions = {
    hz: o.hz,
    batchRounds: Math.max(1, Math.ceil(o.hz)),
    all: o.all,
    needs,
    excludeSelf: true,
    ...(o.pid ?? {}),
  };
  const sampler = await openSampler(o.source, opts, notice);
  const dir = memoryDir();
  const stopper = new AbortController();
  let failure: unknown = null;
  const running = captureToDir(sampler, {
    dir,
    hz: o.hz,
    format: "csv",
    retention: { retainUs: o.minutes * 60e6 + 3600e6 },
    signal: stopper.signal,
    notice,
  }).catch((err) => {
    failure = err;
  });
  return {
    dir,
    describe: `live: ${sampler.source}, ${o.hz} Hz, last ${o.minutes} min`,
    notices,
    failed: () => failure,
    async stop() {
      stopper.abort();
      try {
        await running;
      } finally {
        sampler.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
