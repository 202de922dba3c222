// Waiting for an fd to become readable with a deadline, as libbpf's ring_buffer__poll
// does: epoll on the fd, plus an eventfd that close() signals so a wait in progress ends
// at once. wait() runs epoll_wait on a libuv worker thread (koffi's async call), so the
// event loop keeps running; waitSync() blocks the calling thread (tools that do nothing
// else meanwhile). One wait at a time.
import { closeSync, writeSync } from "node:fs";
import { errno, libbpf } from "./libbpf.js";

const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 0x1;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
/** struct epoll_event: packed {u32 events; u64 data} on x86-64, 16 bytes elsewhere. */
const EVENT_SIZE = process.arch === "x64" ? 12 : 16;
const DATA_OFF = process.arch === "x64" ? 4 : 8;

export class FdWaiter {
  private epfd: number;
  private wakeFd: number;
  private readonly events = Buffer.alloc(2 * EVENT_SIZE);
  private inFlight = false;
  private closed = false;

  constructor(fd: number) {
    const b = libbpf();
    this.epfd = b.epoll_create1(EPOLL_CLOEXEC) as number;
    if (this.epfd < 0) throw new Error(`epoll_create1: errno ${errno()}`);
    this.wakeFd = b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) as number;
    try {
      if (this.wakeFd < 0) throw new Error(`eventfd: errno ${errno()}`);
      for (const f of [fd, this.wakeFd]) {
        const ev = Buffer.alloc(EVENT_SIZE);
        ev.writeUInt32LE(EPOLLIN, 0);
        ev.writeUInt32LE(f, DATA_OFF);
        if ((b.epoll_ctl(this.epfd, EPOLL_CTL_ADD, f, ev) as number) < 0)
          throw new Error(`epoll_ctl ADD fd ${f}: errno ${errno()}`);
      }
    } catch (err) {
      this.closeFds();
      throw err;
    }
  }

  /** Waits up to `timeoutMs` on a worker thread; true when the fd became readable. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.inFlight) return Promise.reject(new Error("FdWaiter: one wait at a time"));
    this.inFlight = true;
    const timeout = Math.max(0, Math.min(Math.ceil(timeoutMs), 2 ** 31 - 1));
    return new Promise((resolve, reject) => {
      libbpf().epoll_wait.async(this.epfd, this.events, 2, timeout, (err: unknown, n: number) => {
        this.inFlight = false;
        if (this.closed) {
          this.closeFds(); // deferred by close(): the worker thread was still using them
          resolve(false);
        } else if (err) reject(err);
        else resolve(n > 0 && this.fdReady(n));
      });
    });
  }

  /** The same, blocking this thread. */
  waitSync(timeoutMs: number): boolean {
    if (this.closed) return false;
    const timeout = Math.max(0, Math.min(Math.ceil(timeoutMs), 2 ** 31 - 1));
    const n = libbpf().epoll_wait(this.epfd, this.events, 2, timeout) as number;
    return n > 0 && this.fdReady(n);
  }

  /** Whether one of the `n` returned events is the watched fd (not the wake-up). */
  private fdReady(n: number): boolean {
    for (let i = 0; i < n; i++)
      if (this.events.readUInt32LE(i * EVENT_SIZE + DATA_OFF) !== this.wakeFd) return true;
    return false;
  }

  /** Ends a wait in progress (it resolves false) and releases the fds. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    writeSync(this.wakeFd, one);
    if (!this.inFlight) this.closeFds();
  }

  private closeFds(): void {
    if (this.wakeFd >= 0) closeSync(this.wakeFd);
    if (this.epfd >= 0) closeSync(this.epfd);
    this.wakeFd = -1;
    this.epfd = -1;
  }
}
