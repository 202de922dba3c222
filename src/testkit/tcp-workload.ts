// The tcp* tools' ground truth: test/workloads/tcp-conns.c run in a network namespace of
// its own (N connections over its loopback with known ports, processes and bytes; one
// refused connect), and what it reports: its processes, each connection's bytes from
// both ends, and the namespace's own /proc/net/snmp and /proc/net/netstat TCP counters
// after everything closed (no other process's traffic is in them).
import { execFile } from "node:child_process";
import { basename } from "node:path";
import { promisify } from "node:util";
import { compileWorkload } from "./workloads.js";

export const SERVER_PORT = 5000;
export const CLOSED_PORT = 5001;
export const CLIENT_PORT = 6000;
export const ECONNREFUSED = 111;

export interface TcpRun {
  ip: 4 | 6;
  /** 127.0.0.1 or ::1 */
  addr: string;
  /** The processes' comm (the binary's name, cut to 15 characters). */
  comm: string;
  server: number;
  client: number;
  /** The client's view of connection i: local port, bytes sent and received, how long its connect() took (ns). */
  conns: { sport: number; sent: number; received: number; connectNs: number }[];
  /** Bytes the server read from connection i. */
  served: number[];
  /** errno of the connect to CLOSED_PORT. */
  refused: number;
  /** The namespace's Tcp: counters (ActiveOpens, PassiveOpens, RetransSegs, ...). */
  snmp: Record<string, number>;
  /** Its TcpExt: counters. */
  netstat: Record<string, number>;
}

/** Parses the workload's stdout. Pure. */
export function parseTcpRun(ip: 4 | 6, out: string): TcpRun {
  const run: TcpRun = {
    ip,
    addr: ip === 4 ? "127.0.0.1" : "::1",
    comm: "",
    server: 0,
    client: 0,
    conns: [],
    served: [],
    refused: -1,
    snmp: {},
    netstat: {},
  };
  const tables: Record<"snmp" | "netstat", string[][]> = { snmp: [], netstat: [] };
  for (const line of out.split("\n")) {
    const f = line.split(" ");
    if (f[0] === "server") run.server = Number(f[1]);
    else if (f[0] === "client") run.client = Number(f[1]);
    else if (f[0] === "conn")
      run.conns[Number(f[1])] = {
        sport: Number(f[2]),
        sent: Number(f[3]),
        received: Number(f[4]),
        connectNs: Number(f[5]),
      };
    else if (f[0] === "served") run.served[Number(f[1])] = Number(f[2]);
    else if (f[0] === "refused") run.refused = Number(f[1]);
    else if (f[0] === "snmp" || f[0] === "netstat") tables[f[0]].push(f.slice(2));
  }
  for (const k of ["snmp", "netstat"] as const) {
    const [names, values] = tables[k];
    names?.forEach((n, i) => {
      run[k][n] = Number(values[i]);
    });
  }
  return run;
}

/** Runs the workload to its end: `n` connections sending `send` bytes, answered with `reply`. */
export async function runTcpConns(
  ip: 4 | 6,
  n: number,
  send: number,
  reply: number,
  setup?: string,
  /** The server's port (the refused one is port + 1, the clients' port + 1000..); default 5000. */
  port = SERVER_PORT,
): Promise<TcpRun> {
  const bin = compileWorkload("tcp-conns");
  const args = [String(ip), String(n), String(send), String(reply), ...(setup ? [setup] : [])];
  const env = { ...process.env, TCP_CONNS_PORT: String(port) };
  const { stdout } = await promisify(execFile)(bin, args, { timeout: 120_000, env });
  const run = { ...parseTcpRun(ip, stdout), comm: basename(bin).slice(0, 15) };
  if (run.conns.length !== n || run.served.length !== n)
    throw new Error(`tcp-conns did not finish: ${stdout}`);
  return run;
}

/** One socket as `ss -tin` showed it: its ends, srtt (ms) and segments received. */
export interface SsSocket {
  local: string;
  peer: string;
  /** The kernel's smoothed RTT in ms (ss's `rtt:SRTT/RTTVAR`). */
  rttMs: number;
  segsIn: number;
}

export interface TcpRttRun {
  ip: 4 | 6;
  addr: string;
  comm: string;
  server: number;
  client: number;
  /** The namespace's sockets while the connection was open (`ss -tinH` there). */
  sockets: SsSocket[];
  /** The namespace's Tcp: counters at that time. */
  snmp: Record<string, number>;
}

/** Parses tcp-rtt's stdout. Pure. */
export function parseTcpRttRun(ip: 4 | 6, out: string): TcpRttRun {
  const run: TcpRttRun = {
    ip,
    addr: ip === 4 ? "127.0.0.1" : "::1",
    comm: "",
    server: 0,
    client: 0,
    sockets: [],
    snmp: {},
  };
  const snmp: string[][] = [];
  for (const line of out.split("\n")) {
    const f = line.split(" ");
    if (f[0] === "server") run.server = Number(f[1]);
    else if (f[0] === "client") run.client = Number(f[1]);
    else if (f[0] === "snmp") snmp.push(f.slice(2));
    else if (f[0] === "ss" && f[1] === "ESTAB") {
      const w = line.split(/\s+/);
      run.sockets.push({ local: w[4], peer: w[5], rttMs: Number.NaN, segsIn: Number.NaN });
    } else if (f[0] === "ss" && run.sockets.length > 0) {
      const s = run.sockets[run.sockets.length - 1];
      s.rttMs = Number(/ rtt:([\d.]+)\//.exec(line)?.[1]);
      s.segsIn = Number(/ segs_in:(\d+)/.exec(line)?.[1]);
    }
  }
  snmp[0]?.forEach((n, i) => {
    run.snmp[n] = Number(snmp[1][i]);
  });
  return run;
}

/**
 * test/workloads/tcp-rtt.c to its end: one connection from port+1000 to `port`, `rounds`
 * request/reply round trips, then `ss -tin` of the namespace before it closes.
 */
export async function runTcpRtt(ip: 4 | 6, port: number, rounds: number, setup?: string): Promise<TcpRttRun> {
  const bin = compileWorkload("tcp-rtt");
  const args = [String(ip), String(port), String(rounds), ...(setup ? [setup] : [])];
  const { stdout } = await promisify(execFile)(bin, args, { timeout: 120_000 });
  const run = { ...parseTcpRttRun(ip, stdout), comm: basename(bin).slice(0, 15) };
  if (run.sockets.length !== 2) throw new Error(`tcp-rtt: not two sockets in ss's output: ${stdout}`);
  return run;
}
