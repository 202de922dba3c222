// A real unprivileged user (and optionally a group) made for one test with useradd and
// removed after it; commands run as that user through setpriv. Needs root.
import { execFileSync, spawnSync } from "node:child_process";

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** Run argv as the user (with its supplementary groups); exit status and output. */
  run(argv: string[]): { status: number; stdout: string; stderr: string };
  remove(): void;
}

function id(flag: string, name: string): number {
  return Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
}

/** A fresh user named `prefix` + pid; `groups` are added as supplementary groups. */
export function createTestUser(prefix: string, groups: string[] = []): TestUser {
  const name = `${prefix}${process.pid}`.slice(0, 31);
  spawnSync("userdel", [name], { stdio: "ignore" }); // left by a crashed run
  const args = ["--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group"];
  if (groups.length > 0) args.push("--groups", groups.join(","));
  execFileSync("useradd", [...args, name]);
  const uid = id("-u", name);
  const gid = id("-g", name);
  return {
    name,
    uid,
    gid,
    run(argv) {
      const r = spawnSync(
        "setpriv",
        ["--reuid", String(uid), "--regid", String(gid), "--init-groups", ...argv],
        {
          encoding: "utf8",
        },
      );
      return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
    },
    remove() {
      spawnSync("userdel", [name], { stdio: "ignore" });
      spawnSync("groupdel", [name], { stdio: "ignore" });
    },
  };
}

/** A fresh group named `prefix` + pid; returns its name and a remover. */
export function createTestGroup(prefix: string): { name: string; gid: number; remove(): void } {
  const name = `${prefix}${process.pid}`.slice(0, 31);
  spawnSync("groupdel", [name], { stdio: "ignore" });
  execFileSync("groupadd", [name]);
  const line = execFileSync("getent", ["group", name], { encoding: "utf8" });
  return {
    name,
    gid: Number(line.split(":")[2]),
    remove: () => spawnSync("groupdel", [name], { stdio: "ignore" }),
  };
}
