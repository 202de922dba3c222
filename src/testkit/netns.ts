// Network namespaces for tests (iproute2's `ip netns`): a private TCP/IP stack whose
// counters (/proc/net/snmp, netstat, dev) move only by the traffic a test makes there, so
// a program run inside it can be compared with the kernel's own counts exactly. Root only.
import { spawnSync } from "node:child_process";

export interface NetNs {
  name: string;
  /** argv that runs `argv` inside the namespace (`ip netns exec NAME ...`). */
  exec(argv: string[]): string[];
  /** Runs a command inside; its stdout, or an Error with its stderr. */
  run(argv: string[]): string;
  /** Deletes the namespace (and the links in it). */
  remove(): void;
}

function ip(args: string[]): string {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
  return r.stdout;
}

/** A new namespace with its loopback up; `tag` keeps names of parallel tests apart. */
export function makeNetNs(tag: string): NetNs {
  const name = `tsnap-${tag}-${process.pid}`;
  ip(["netns", "add", name]);
  const ns: NetNs = {
    name,
    exec: (argv) => ["ip", "netns", "exec", name, ...argv],
    run(argv) {
      const r = spawnSync("ip", ns.exec(argv).slice(1), { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${argv.join(" ")} in ${name}: ${(r.stderr ?? "").trim()}`);
      return r.stdout;
    },
    remove() {
      spawnSync("ip", ["netns", "del", name]);
    },
  };
  try {
    ns.run(["ip", "link", "set", "lo", "up"]);
    // No IPv6 autoconfiguration chatter (router solicitations, MLD) on links made later.
    spawnSync("ip", ns.exec(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"]).slice(1));
  } catch (err) {
    ns.remove();
    throw err;
  }
  return ns;
}

/** A veth pair `a`-`b` between two namespaces, addressed 10.<n>.0.1/24 and 10.<n>.0.2/24. */
export function vethPair(a: NetNs, b: NetNs, n = 77): { aIf: string; bIf: string; aIp: string; bIp: string } {
  const aIf = "tsnapa";
  const bIf = "tsnapb";
  ip(["link", "add", aIf, "netns", a.name, "type", "veth", "peer", "name", bIf, "netns", b.name]);
  const aIp = `10.${n}.0.1`;
  const bIp = `10.${n}.0.2`;
  a.run(["ip", "addr", "add", `${aIp}/24`, "dev", aIf]);
  b.run(["ip", "addr", "add", `${bIp}/24`, "dev", bIf]);
  a.run(["ip", "link", "set", aIf, "up"]);
  b.run(["ip", "link", "set", bIf, "up"]);
  return { aIf, bIf, aIp, bIp };
}

/**
 * /proc/net/snmp and /proc/net/netstat of the namespace as "Proto.Name" → value, read and
 * parsed here (independently of tsnap check's parser).
 */
export function netCounters(ns: NetNs): Map<string, number> {
  const out = new Map<string, number>();
  const text = ns.run(["cat", "/proc/net/snmp", "/proc/net/netstat"]);
  const lines = text.split("\n").filter((l) => /^\w+:/.test(l));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/);
    const proto = names[0].replace(/:$/, "");
    for (let j = 1; j < names.length; j++) out.set(`${proto}.${names[j]}`, Number(values[j]));
  }
  return out;
}

/**
 * Drops `percent`% of the TCP segments sent to `port` on the namespace's loopback: netem
 * (`tc qdisc ... netem loss`) where the kernel has it, else an nftables rule with a random
 * number; the reason when neither can be set up (for the test's skip).
 */
export function injectLoss(ns: NetNs, port: number, percent: number): { how: string } | { skip: string } {
  const tc = spawnSync(
    "ip",
    ns.exec(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "loss", `${percent}%`]).slice(1),
    { encoding: "utf8" },
  );
  if (tc.status === 0) return { how: `tc netem loss ${percent}% on lo (all of its packets)` };
  const why = `tc netem: ${(tc.stderr || tc.error?.message || "").trim()} (sch_netem not in this kernel)`;
  const mod = Math.round(100 / percent);
  const rules = [
    "add table inet tsnaploss",
    // On input: a segment dropped on output is a local send failure that TCP sends again
    // as new (no retransmission); one dropped on arrival was lost on the way.
    "add chain inet tsnaploss in { type filter hook input priority 0 ; }",
    `add rule inet tsnaploss in iifname lo tcp dport ${port} numgen random mod ${mod} == 0 drop`,
  ];
  for (const rule of rules) {
    const r = spawnSync("ip", ns.exec(["nft", ...rule.split(" ")]).slice(1), { encoding: "utf8" });
    if (r.status !== 0)
      return { skip: `${why}; nft: ${(r.stderr || r.error?.message || "").trim() || "failed"}` };
  }
  return { how: `nftables: 1 in ${mod} segments arriving at port ${port} dropped (${why})` };
}
