#!/usr/bin/env python3
"""Write words of physical memory (device registers too) through QEMU's gdbstub.

  gdbpoke.py PORT TIMEOUT ADDR=VALUE...
      write each 32-bit little-endian VALUE at physical ADDR (both hex or
      decimal), in order; the machine stops while the stub has a client and
      runs again on the detach at the end

lab/lab uses it after restoring a Linux that runs at EL2: QEMU 7.2 does not
migrate the EL2 timers' QEMUTimers, so the timer the kernel waits for never
fires; a pending SGI that the kernel takes for its timer IPI makes it run its
timer handler, which programs the timer again.

Errors are one line on stderr ("gdbpoke: ...") and exit status 1 (2 for
usage, 124 for a timeout).
"""

import socket
import struct
import sys
import time


class Fail(Exception):
    def __init__(self, msg, status=1):
        super().__init__(msg)
        self.status = status


class Stub:
    def __init__(self, port, deadline):
        self.deadline = deadline
        self.buf = b""
        try:
            self.s = socket.create_connection(("127.0.0.1", port),
                                              timeout=max(0.1, deadline - time.monotonic()))
        except OSError as e:
            raise Fail(f"cannot connect to the gdbstub on port {port}: {e.strerror or e}")

    def _more(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Fail("timed out waiting for the gdbstub", 124)
        self.s.settimeout(left)
        try:
            data = self.s.recv(4096)
        except socket.timeout:
            raise Fail("timed out waiting for the gdbstub", 124)
        if not data:
            raise Fail("the gdbstub closed the connection")
        self.buf += data

    def command(self, data):
        """Send one packet, return the stub's reply (acks as QEMU wants)."""
        body = data.encode()
        self.s.sendall(b"$" + body + b"#" + b"%02x" % (sum(body) & 0xff))
        while True:
            while not self.buf:
                self._more()
            c, self.buf = self.buf[:1], self.buf[1:]
            if c == b"+":
                break
            if c == b"-":
                self.s.sendall(b"$" + body + b"#" + b"%02x" % (sum(body) & 0xff))
        while True:
            i = self.buf.find(b"$")
            j = self.buf.find(b"#", i + 1) if i >= 0 else -1
            if i >= 0 and j >= 0 and len(self.buf) >= j + 3:
                reply = self.buf[i + 1:j]
                self.buf = self.buf[j + 3:]
                self.s.sendall(b"+")
                return reply.decode(errors="replace")
            self._more()


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    port, timeout = int(argv[1]), float(argv[2])
    writes = []
    for w in argv[3:]:
        try:
            a, v = w.split("=", 1)
            writes.append((int(a, 0), int(v, 0)))
        except ValueError:
            raise Fail(f"bad ADDR=VALUE '{w}'", 2)
    stub = Stub(port, time.monotonic() + timeout)
    try:
        if stub.command("Qqemu.PhyMemMode:1") != "OK":
            raise Fail("the gdbstub has no physical memory mode")
        for addr, value in writes:
            reply = stub.command(f"M{addr:x},4:{struct.pack('<I', value & 0xffffffff).hex()}")
            if reply != "OK":
                raise Fail(f"writing {addr:#x}: the gdbstub answered {reply!r}")
    finally:
        stub.command("Qqemu.PhyMemMode:0")
        stub.command("D")
        stub.s.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Fail as e:
        print(f"gdbpoke: {e}", file=sys.stderr)
        sys.exit(e.status)
