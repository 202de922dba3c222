// The list of commands. Modules load lazily so `tsnap top` never pays for DuckDB or libbpf.
import type { Command } from "./command.js";

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: "top",
    summary: "active threads grouped by any columns (psn)",
    load: async () => (await import("./top.js")).command,
  },
  {
    name: "capture",
    summary: "always-on capture of thread activity to hourly files (xcapture)",
    load: async () => (await import("./capture.js")).command,
  },
  {
    name: "query",
    summary: "analyse captured history by any columns (xtop)",
    load: async () => (await import("./query.js")).command,
  },
  {
    name: "schedlat",
    summary: "per-second %CPU, %run-queue latency, %sleep of a process",
    load: async () => (await import("./schedlat.js")).command,
  },
  {
    name: "profile",
    summary: "on-CPU stacks sampled at a frequency, text or folded (bcc profile)",
    load: async () => (await import("../tools/profile/profile.js")).command,
  },
  {
    name: "offcputime",
    summary: "off-CPU time by stack from sched_switch, text or folded (bcc offcputime)",
    load: async () => (await import("../tools/offcputime/offcputime.js")).command,
  },
  {
    name: "syscalls",
    summary: "list syscalls and their arguments",
    load: async () => (await import("./syscalls.js")).command,
  },
  {
    name: "tracepoints",
    summary: "list tracepoints and their arguments",
    load: async () => (await import("./tracepoints.js")).command,
  },
  {
    name: "doctor",
    summary: "what this machine supports: kernel, BTF, privileges, BPF probes, commands",
    load: async () => (await import("./doctor.js")).command,
  },
];
