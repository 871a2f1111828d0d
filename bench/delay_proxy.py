#!/usr/bin/env python3
"""A TCP proxy between a GDB remote protocol client (elscope, gdb) and a stub
(QEMU's gdbstub) that delays every unit of the protocol, in each direction,
the way a slow link or a JTAG probe in front of a target would: packets
($...#xx, and %...#xx notifications), acknowledgements (+ and -) and the
interrupt byte (0x03). Anything else is passed on as it comes (and counted).

  delay_proxy.py [--delay-ms MS] [--mode serial|latency] [--listen HOST:PORT]
                 [--once] [--stats FILE] STUB_HOST:STUB_PORT

--delay-ms MS   the delay of each unit (default 1; 0 passes them at once)
--mode serial   (default) a direction handles one unit at a time: a unit
                leaves MS after it arrived or MS after the one before it
                left, whichever is later, so N units back to back take N*MS
                (a probe that needs MS per packet, whatever is in flight)
--mode latency  every unit leaves MS after it arrived; units in flight
                overlap (a long wire)
--listen        where to listen (default 127.0.0.1:0, any free port)
--once          exit when the first client has gone
--stats FILE    append one JSON line per connection with its counts

On start it prints "PORT=N" and "TARGET=gdb:HOST:N" on stdout (one line
each; elscope's target syntax), then serves one client at a time: each
accepted client gets its own connection to the stub. When a client leaves,
its counts go to stderr, one line per direction:
  delay_proxy: connection 1, 0.53 s: client->stub 36 packets 0 acks 0 nacks 0 interrupts 0 other, 812 bytes
SIGINT or SIGTERM ends it (counts of an open connection are printed first).
"""

import argparse
import json
import queue
import signal
import socket
import sys
import threading
import time

PACKET, ACK, NACK, INTERRUPT, OTHER = "packets", "acks", "nacks", "interrupts", "other"
KINDS = (PACKET, ACK, NACK, INTERRUPT, OTHER)


class Splitter:
    """Cuts a byte stream into protocol units. feed() returns (kind, bytes)
    for every unit completed by the new bytes; a packet is complete with the
    two checksum characters after its '#'. Inside a packet '#' and '$' are
    always escaped ('}'), so the first '#' ends it."""

    def __init__(self):
        self.buf = bytearray()
        self.state = "idle"  # idle, body, sum1, sum2

    def feed(self, data):
        units = []
        other = bytearray()
        for b in data:
            if self.state == "idle":
                if b in (0x24, 0x25):  # '$' '%'
                    if other:
                        units.append((OTHER, bytes(other)))
                        other.clear()
                    self.buf = bytearray([b])
                    self.state = "body"
                elif b == 0x2B:  # '+'
                    if other:
                        units.append((OTHER, bytes(other)))
                        other.clear()
                    units.append((ACK, b"+"))
                elif b == 0x2D:  # '-'
                    if other:
                        units.append((OTHER, bytes(other)))
                        other.clear()
                    units.append((NACK, b"-"))
                elif b == 0x03:
                    if other:
                        units.append((OTHER, bytes(other)))
                        other.clear()
                    units.append((INTERRUPT, b"\x03"))
                else:
                    other.append(b)
            else:
                self.buf.append(b)
                if self.state == "body":
                    if b == 0x23:  # '#'
                        self.state = "sum1"
                elif self.state == "sum1":
                    self.state = "sum2"
                else:
                    units.append((PACKET, bytes(self.buf)))
                    self.buf = bytearray()
                    self.state = "idle"
        if other:
            units.append((OTHER, bytes(other)))
        return units

    def rest(self):
        """Bytes of an unfinished packet (the peer closed in its middle)."""
        rest, self.buf, self.state = bytes(self.buf), bytearray(), "idle"
        return rest


class Direction:
    """One direction of a connection: a reader cuts units and queues them with
    their release time; a writer sends each at that time."""

    def __init__(self, name, src, dst, delay, mode):
        self.name, self.src, self.dst = name, src, dst
        self.delay, self.mode = delay, mode
        self.counts = dict.fromkeys(KINDS, 0)
        self.bytes = 0
        self.queue = queue.Queue()
        self.last_release = 0.0
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.writer = threading.Thread(target=self.write, daemon=True)

    def start(self):
        self.reader.start()
        self.writer.start()

    def release_time(self, arrival):
        if self.mode == "serial":
            t = max(arrival, self.last_release) + self.delay
        else:
            t = arrival + self.delay
        self.last_release = t
        return t

    def read(self):
        split = Splitter()
        try:
            while True:
                data = self.src.recv(65536)
                if not data:
                    break
                now = time.monotonic()
                for kind, unit in split.feed(data):
                    self.counts[kind] += 1
                    self.bytes += len(unit)
                    # Stray bytes are not protocol units: they are not delayed.
                    when = now if kind == OTHER else self.release_time(now)
                    self.queue.put((when, unit))
        except OSError:
            pass
        rest = split.rest()
        if rest:
            self.counts[OTHER] += 1
            self.bytes += len(rest)
            self.queue.put((time.monotonic(), rest))
        self.queue.put(None)  # end of stream

    def write(self):
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    break
                when, unit = item
                wait = when - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self.dst.sendall(unit)
        except OSError:
            pass
        # The other side learns that this one has ended.
        for sock, how in ((self.dst, socket.SHUT_WR), (self.src, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass

    def line(self, conn_no, seconds):
        kinds = " ".join(f"{self.counts[k]} {k}" for k in KINDS)
        return (f"delay_proxy: connection {conn_no}, {seconds:.2f} s: {self.name} {kinds},"
                f" {self.bytes} bytes")


def parse_hostport(text, what):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"delay_proxy: {what} must be HOST:PORT, not {text!r}")
    return host or "127.0.0.1", int(port)


def nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Proxy:
    def __init__(self, args):
        self.args = args
        self.delay = args.delay_ms / 1000.0
        self.stub = parse_hostport(args.stub, "the stub")
        self.current = None  # (conn_no, start, directions) while a client is served
        self.conn_no = 0

    def report(self):
        cur = self.current
        if not cur:
            return
        conn_no, start, dirs = cur
        seconds = time.monotonic() - start
        for d in dirs:
            print(d.line(conn_no, seconds), file=sys.stderr, flush=True)
        if self.args.stats:
            record = {"connection": conn_no, "seconds": round(seconds, 6),
                      "delay_ms": self.args.delay_ms, "mode": self.args.mode}
            for d in dirs:
                record[d.name] = dict(d.counts, bytes=d.bytes)
            with open(self.args.stats, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    def serve_one(self, client):
        self.conn_no += 1
        try:
            stub = socket.create_connection(self.stub, timeout=10)
        except OSError as e:
            print(f"delay_proxy: cannot connect to the stub {self.args.stub}: {e}",
                  file=sys.stderr, flush=True)
            client.close()
            return
        stub.settimeout(None)
        nodelay(client)
        nodelay(stub)
        dirs = (Direction("client->stub", client, stub, self.delay, self.args.mode),
                Direction("stub->client", stub, client, self.delay, self.args.mode))
        self.current = (self.conn_no, time.monotonic(), dirs)
        for d in dirs:
            d.start()
        for d in dirs:
            d.writer.join()
            d.reader.join()
        self.report()
        self.current = None
        client.close()
        stub.close()

    def run(self):
        host, port = parse_hostport(self.args.listen, "--listen")
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((host, port))
        lsock.listen(1)
        port = lsock.getsockname()[1]
        print(f"PORT={port}")
        print(f"TARGET=gdb:{host}:{port}", flush=True)
        while True:
            client, _ = lsock.accept()
            self.serve_one(client)
            if self.args.once:
                return 0


def main():
    ap = argparse.ArgumentParser(
        description="Delay each GDB remote protocol unit between a client and a stub.")
    ap.add_argument("stub", metavar="STUB_HOST:STUB_PORT")
    ap.add_argument("--delay-ms", type=float, default=1.0)
    ap.add_argument("--mode", choices=("serial", "latency"), default="serial")
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--once", action="store_true")
    ap.add_argument("--stats")
    args = ap.parse_args()
    if args.delay_ms < 0:
        ap.error("--delay-ms must not be negative")
    proxy = Proxy(args)

    def stop(signum, _frame):
        proxy.report()
        sys.exit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return proxy.run()


if __name__ == "__main__":
    sys.exit(main())
