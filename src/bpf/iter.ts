// Reading a BPF iterator: each read creates an iterator fd from the link, reads it to the
// end into one reusable buffer (grown when full), and closes the fd. No callback per
// record: the kernel writes records back to back and the caller decodes the bytes.
import { closeSync, readSync } from "node:fs";
import { errno, libbpf } from "./libbpf.js";
import { BpfError, type Link } from "./object.js";

export class IterReader {
  private buf: Buffer;

  constructor(
    private readonly link: Link,
    initialBytes = 256 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Runs the iterator once; returns the buffer and how many bytes it holds. */
  read(): { buf: Buffer; len: number } {
    const fd = libbpf().bpf_iter_create(this.link.fd) as number;
    if (fd < 0) throw new BpfError("bpf_iter_create", -fd || errno());
    let len = 0;
    try {
      for (;;) {
        if (this.buf.length - len < 64 * 1024) {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger, 0, 0, len);
          this.buf = bigger;
        }
        const n = readSync(fd, this.buf, len, this.buf.length - len, null);
        if (n <= 0) break;
        len += n;
      }
    } finally {
      closeSync(fd);
    }
    return { buf: this.buf, len };
  }
}
