// Every live BPF object, link, ring buffer and iterator holder registers here, so that
// whatever is still open when the process exits is closed in order (links before the
// objects they belong to). Normal paths close explicitly; this is the safety net.

interface Closable {
  close(): void;
}

const live = new Set<Closable>();
let hooked = false;

export function track(h: Closable): void {
  live.add(h);
  if (!hooked) {
    hooked = true;
    process.once("exit", closeAll);
  }
}

export function untrack(h: Closable): void {
  live.delete(h);
}

/** How many holders are open (tests check this returns to its start value). */
export function liveCount(): number {
  return live.size;
}

/** Close everything still open, newest first. */
export function closeAll(): void {
  for (const h of [...live].reverse()) {
    try {
      h.close();
    } catch {
      // best effort at exit
    }
  }
  live.clear();
}
