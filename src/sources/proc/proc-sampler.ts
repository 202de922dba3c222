// The /proc source: one round reads every thread's stat (state, comm, CPU times) and,
// for the threads that pass the filters, whatever else the consumer needs. Works for any
// user on any kernel; threads that exit mid-read are skipped and counted.
import { readdirSync } from "node:fs";
import {
  ACTIVE_STATES,
  blankSample,
  refineDState,
  type Sample,
  SYSCALL_NONE,
  SYSCALL_RUNNING,
} from "../../model/sample.js";
import {
  type Need,
  type RoundResult,
  type Sampler,
  type SamplerOptions,
  type SamplerStats,
  zeroStats,
} from "../../model/sampler.js";
import { FD_ARG_SYSCALLS, syscallName } from "../../platform/syscall-table.js";
import {
  parseIo,
  parseKstack,
  parseStat,
  parseStatusNsPid,
  parseStatusUid,
  parseSyscall,
  parseWchan,
  type StatFields,
  stateFromChar,
} from "./parse.js";
import {
  DENIED,
  GONE,
  openFileLimit,
  ProcFiles,
  type ReadResult,
  type ThreadFile,
  ThreadHandle,
} from "./proc-files.js";
import { ProcessInfoCache } from "./process-info.js";

/** fds kept back from the budget for everything else the process opens. */
const FD_RESERVE = 256;

export class ProcSampler implements Sampler {
  readonly source = "proc" as const;
  /** /proc has no clock of its own: rounds are read from user space when asked. */
  readonly kernelClock = null;
  private readonly files: ProcFiles;
  private readonly threads = new Map<number, ThreadHandle>();
  private readonly processes: ProcessInfoCache;
  private readonly weightUs: number;
  private readonly needs: ReadonlySet<Need>;
  private readonly selfPid: number | null;
  private readonly st: SamplerStats = zeroStats();
  private closed = false;

  constructor(private readonly opts: SamplerOptions) {
    this.files = new ProcFiles(Math.max(0, openFileLimit() - FD_RESERVE));
    this.weightUs = Math.round(1e6 / opts.hz);
    this.needs = opts.needs;
    this.selfPid = opts.excludeSelf === false ? null : process.pid;
    this.processes = new ProcessInfoCache();
  }

  round(): RoundResult {
    if (this.closed) throw new Error("proc sampler is closed");
    const round = ++this.st.rounds;
    const timestamp = Date.now() * 1000;
    const samples: Sample[] = [];
    let threadsSeen = 0;
    this.processes.startRound();
    const take = (h: ThreadHandle, stat: StatFields): void => {
      if (this.opts.comm && !this.opts.comm.test(stat.comm)) return;
      threadsSeen++;
      const state = stateFromChar(stat.stateChar);
      if (!this.opts.all && !ACTIVE_STATES.has(state)) return;
      const s = blankSample(timestamp, this.weightUs, h.tid, h.tgid);
      s.comm = stat.comm;
      s.state = state;
      s.ppid = stat.ppid;
      s.cpu = stat.processor;
      s.utime = stat.utime;
      s.stime = stat.stime;
      this.fillOptional(h, s);
      if (state === "DISK") this.refineDisk(h, s);
      samples.push(s);
    };
    for (const pid of this.listPids()) {
      if (pid === this.selfPid) continue;
      const leader = this.handle(pid, pid, round);
      const lstat = this.readStat(leader);
      if (lstat === null) continue;
      take(leader, lstat);
      // num_threads from the leader's stat spares the task-directory listing for
      // single-threaded processes (most of them), a third of the cost of a round.
      if (lstat.numThreads <= 1 && lstat.stateChar !== "Z") continue;
      let tids: string[];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue; // exited between the two reads: its leader was sampled already
      }
      for (const name of tids) {
        const tid = Number(name);
        if (tid === pid) continue;
        const h = this.handle(tid, pid, round);
        const stat = this.readStat(h);
        if (stat !== null) take(h, stat);
      }
    }
    this.sweep(round);
    return { timestamp, samples, threadsSeen, syscallEnds: [], ioEnds: [], newStacks: [] };
  }

  stats(): SamplerStats {
    return { ...this.st, denied: { ...this.st.denied } };
  }

  /** Number of fds held open for threads (for leak tests). */
  get openFds(): number {
    return this.files.open;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.threads.values()) this.files.release(h);
    this.threads.clear();
    this.processes.close();
  }

  private listPids(): number[] {
    if (this.opts.pids) return [...this.opts.pids];
    const pids: number[] = [];
    for (const name of readdirSync("/proc")) {
      const c = name.charCodeAt(0);
      if (c >= 48 && c <= 57) pids.push(Number(name));
    }
    return pids;
  }

  private handle(tid: number, tgid: number, round: number): ThreadHandle {
    let h = this.threads.get(tid);
    if (h === undefined || h.tgid !== tgid) {
      if (h) this.files.release(h);
      h = new ThreadHandle(tid, tgid);
      this.threads.set(tid, h);
    }
    h.seenRound = round;
    return h;
  }

  /** Closes fds of threads that were not listed this round. */
  private sweep(round: number): void {
    for (const [tid, h] of this.threads) {
      if (h.seenRound !== round) {
        this.files.release(h);
        this.threads.delete(tid);
      }
    }
  }

  /** Reads and parses stat; null (counted) when the thread is gone or unreadable. */
  private readStat(h: ThreadHandle): StatFields | null {
    let text = this.files.read(h, "stat");
    if (text === GONE) {
      // A cached fd of an exited thread whose tid is listed again: reused tid, reopen once.
      this.files.release(h);
      text = this.files.read(h, "stat");
    }
    if (typeof text !== "string") return this.miss(text, "stat");
    return parseStat(text);
  }

  private fillOptional(h: ThreadHandle, s: Sample): void {
    const needs = this.needs;
    if (needs.has("syscall") || needs.has("filename")) this.fillSyscall(h, s);
    if (needs.has("wchan")) {
      const t = this.read(h, "wchan");
      if (t !== null) s.wchan = parseWchan(t);
    }
    if (needs.has("kstack")) {
      const t = this.read(h, "stack");
      if (t !== null) s.kstack = parseKstack(t).join(";");
    }
    if (needs.has("io")) {
      const io = parseIo(this.read(h, "io") ?? "");
      if (io) {
        s.read_bytes = io.readBytes;
        s.write_bytes = io.writeBytes;
      }
    }
    if (needs.has("username") || needs.has("pidns")) {
      const st = this.processes.status(h.tgid, h.tid);
      if (st) {
        s.username = this.processes.userName(parseStatusUid(st));
        s.pidns = parseStatusNsPid(st);
      }
    }
    if (needs.has("cmdline")) s.cmdline = this.processes.cmdline(h.tgid);
    if (needs.has("cgroup")) s.cgroup = this.processes.cgroup(h.tgid);
    if (needs.has("exe")) s.exe = this.processes.exe(h.tgid);
  }

  /** A thread in D: VFORK when its syscall says so (read here if no column needed it). */
  private refineDisk(h: ThreadHandle, s: Sample): void {
    if (s.syscall_active === SYSCALL_NONE && !this.needs.has("syscall") && !this.needs.has("filename")) {
      const t = this.read(h, "syscall");
      const sc = t === null ? null : parseSyscall(t);
      if (sc?.kind === "syscall") s.state = refineDState(s.state, syscallName(sc.nr), sc.args[0]);
      return;
    }
    s.state = refineDState(s.state, s.syscall, s.sysc_args?.[0] ?? null);
  }

  private fillSyscall(h: ThreadHandle, s: Sample): void {
    const t = this.read(h, "syscall");
    const sc = t === null ? null : parseSyscall(t);
    if (sc === null) return;
    if (sc.kind === "running") {
      s.syscall = SYSCALL_RUNNING;
    } else if (sc.kind === "none") {
      s.syscall = SYSCALL_NONE;
    } else {
      s.syscall = syscallName(sc.nr);
      s.syscall_nr = sc.nr;
      s.syscall_active = s.syscall;
      s.sysc_args = sc.args;
      if (this.needs.has("filename") && FD_ARG_SYSCALLS.has(s.syscall)) {
        s.filename = this.processes.fdPath(h.tgid, Number(BigInt.asIntN(32, sc.args[0])));
      }
    }
  }

  private read(h: ThreadHandle, file: ThreadFile): string | null {
    const r = this.files.read(h, file);
    return typeof r === "string" ? r : this.miss(r, file);
  }

  private miss(r: Exclude<ReadResult, string>, file: string): null {
    if (r === DENIED) this.st.denied[file] = (this.st.denied[file] ?? 0) + 1;
    else this.st.vanished++;
    return null;
  }
}
