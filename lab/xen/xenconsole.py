#!/usr/bin/env python3
"""Xen's one serial console, taken apart per guest (used by lab/lab).

Under Xen every guest's console goes through Xen's UART, which QEMU logs to
one file (xen.log) and serves on one unix socket:
  - dom0's output (hvc0, console_io hypercalls) comes out as is;
  - a dom0less domU's output (vpl011, backend in Xen) comes out as whole
    lines "(XEN) DOM<n>: TEXT", cut after 126 characters when longer, while
    the domU does not have the console's input; while it has it, character by
    character after a "(XEN) " at the start of each line;
  - Xen's own lines start with "(XEN) ";
  - Xen's serial driver sends every "\\n" as "\\r\\n".
CTRL-a three times moves the console's input Xen -> DOM0 -> DOM1 -> Xen, and
Xen says so: "*** Serial input to DOM0 (type 'CTRL-a' three times ...)".

  xenconsole.py split XENLOG STATEDIR QEMU_PID
      follow XENLOG and write STATEDIR/console-dom<N>.log (each guest's
      console as the guest wrote it) and STATEDIR/hypervisor.log (Xen's own
      lines), rewritten from the start of XENLOG, until the QEMU with pid
      QEMU_PID has exited
  xenconsole.py exec SOCKET XENLOG TIMEOUT DOMID SHELL-COMMAND
      run a command in the console shell of domain DOMID, print its output,
      exit with its status; the console's input goes back to dom0 after
  xenconsole.py keys SOCKET XENLOG TIMEOUT KEYS
      press Xen's debug KEYS (of q r e), print Xen's output of them, whole;
      the console's input goes back to dom0 after

The caller serializes exec and keys (lab/lab holds a lock). Dom0's output
while DOM1 has the input cannot be told from DOM1's and goes to DOM1's log
(exec on dom1 keeps that window short). Errors are one line on stderr
("xenconsole: ...") and exit status 1 (2 for usage, 124 for a timeout).
"""

import os
import re
import signal
import socket
import sys
import time

PREFIX = b"(XEN) "
SWITCH = re.compile(rb"\*\*\* Serial input to (?:DOM(\d+)|(Xen))")
DOMLINE = re.compile(rb"DOM(\d+): ")
# vpl011 (Xen 4.17) prints a domU's line when it ends or when 126 characters
# are buffered (VPL011_OUT_BUF_SIZE - 2); a genuine line end is never at 126.
VPL011_CUT = 126
CTRL_A3 = b"\x01\x01\x01"
XEN = "xen"        # destination of Xen's own lines
DOM0 = 0


class Fail(Exception):
    def __init__(self, msg, status=1):
        super().__init__(msg)
        self.status = status


class Demux:
    """Takes Xen's console stream apart: feed() returns (dest, bytes) pairs,
    dest a domain id or XEN. Only whole lines are decoded; `tail` is the
    line still open. `focus` is who has the input (None: Xen)."""

    def __init__(self, focus=DOM0):
        self.tail = b""
        self.focus = focus
        self.cut = {}

    def feed(self, data):
        out = []
        self.tail += data
        while True:
            i = self.tail.find(b"\n")
            if i < 0:
                return out
            line, self.tail = self.tail[:i], self.tail[i + 1:]
            if line.endswith(b"\r"):
                line = line[:-1]  # Xen's "\r" before each "\n"
            self._line(line + b"\n", out)

    def _raw_owner(self):
        # Text outside Xen's prefixed lines: dom0's, or the focused domU's
        # characters after the first one of its line.
        return self.focus if isinstance(self.focus, int) and self.focus > 0 else DOM0

    def _line(self, line, out):
        m = SWITCH.search(line)
        if m:
            # Xen's message may follow an open line of someone else's.
            if m.start() > 0:
                self._fragment(line[:m.start()], out)
            out.append((XEN, line[m.start():]))
            self.focus = None if m.group(2) else int(m.group(1))
            return
        self._fragment(line, out)

    def _fragment(self, frag, out):
        i = frag.find(PREFIX)
        if i < 0:
            out.append((self._raw_owner(), frag))
            return
        if i > 0:
            out.append((self._raw_owner(), frag[:i]))
        unit = frag[i + len(PREFIX):]
        d = DOMLINE.match(unit)
        if d and unit.endswith(b"\n") and PREFIX not in unit:
            dom = int(d.group(1))
            body = unit[d.end():-1]
            if len(body) == VPL011_CUT:
                self.cut[dom] = self.cut.get(dom, b"") + body
            else:
                out.append((dom, self.cut.pop(dom, b"") + body + b"\n"))
        elif isinstance(self.focus, int) and self.focus > 0:
            # Xen prints the focused domU's characters one by one; a "(XEN) "
            # can come in the middle of its line (after a line of Xen's).
            out.append((self.focus, unit.replace(PREFIX, b"")))
        else:
            out.append((XEN, unit))


def focus_in_log(path):
    """Who has the console's input, from Xen's last message about it."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Fail(f"cannot read {path}: {e.strerror}")
    last = None
    for last in SWITCH.finditer(data):
        pass
    if last is None:
        return None  # Xen keeps the input until it hands it to dom0
    return None if last.group(2) else int(last.group(1))


# ---------------------------------------------------------------- split

def split(xenlog, statedir, qemu_pid):
    os.setsid()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    files = {}

    def sink(dest):
        name = "hypervisor.log" if dest == XEN else f"console-dom{dest}.log"
        if name not in files:
            files[name] = open(os.path.join(statedir, name), "wb")
        return files[name]

    for d in (XEN, 0, 1):
        sink(d)
    demux = Demux(focus=None)
    f = None
    while f is None:
        try:
            f = open(xenlog, "rb")
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{qemu_pid}"):
                return 0
            time.sleep(0.05)
    done = False
    while True:
        data = f.read(1 << 20)
        if data:
            for dest, text in demux.feed(data):
                sink(dest).write(text)
            for fh in files.values():
                fh.flush()
            continue
        if done:
            return 0
        if not qemu_alive(qemu_pid):
            done = True  # one more read for what QEMU wrote last
            continue
        time.sleep(0.05)


def qemu_alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


# ---------------------------------------------------------------- console

class Console:
    def __init__(self, path, xenlog, deadline):
        self.deadline = deadline
        self.demux = Demux(focus=focus_in_log(xenlog))
        self.streams = {}      # dest -> bytes decoded since connect
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            self.s.connect(path)
        except OSError as e:
            raise Fail(f"cannot connect to {path}: {e.strerror or e}")

    def close(self):
        self.s.close()

    def stream(self, dest):
        return self.streams.get(dest, b"")

    def pump(self, until, what, deadline=None):
        """Read the console until until() holds."""
        deadline = deadline or self.deadline
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"timed out waiting for {what}", 124)
            self.s.settimeout(min(left, 0.5))
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                raise Fail(f"reading the console: {e.strerror or e}")
            if not data:
                raise Fail("the console socket closed")
            for dest, text in self.demux.feed(data):
                self.streams[dest] = self.streams.get(dest, b"") + text

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError as e:
            raise Fail(f"writing the console: {e.strerror or e}")

    def switch_to(self, target, deadline=None):
        """Move the console's input to target (a domain id, None for Xen)."""
        deadline = deadline or self.deadline
        for _ in range(4):
            if self.demux.focus == target:
                return
            before = len(self.stream(XEN))
            self.send(CTRL_A3)
            self.pump(lambda: SWITCH.search(self.stream(XEN), before),
                      "Xen to switch the console's input", deadline)
        if self.demux.focus != target:
            raise Fail("cannot move the console's input to "
                       + ("Xen" if target is None else f"DOM{target}"))

    def echoed(self, dest):
        # What the guest sent back so far, counting the line still open.
        return len(self.stream(dest)) + len(self.demux.tail)

    def type(self, dest, text, chunk=16):
        """Type text slowly: a domU's vpl011 keeps 32 characters, dom0's
        ring 128; wait for the echo of each chunk (at most 2 s)."""
        for i in range(0, len(text), chunk):
            piece = text[i:i + chunk]
            before = self.echoed(dest)
            self.send(piece)
            limit = min(self.deadline, time.monotonic() + 2)
            try:
                self.pump(lambda: self.echoed(dest) - before >= len(piece), "echo", limit)
            except Fail as e:
                if e.status != 124 or time.monotonic() >= self.deadline:
                    raise


def run_in_guest(con, dom, command):
    """Type command into dom's shell and return (output, status). A line
    can lose characters on the way in (a domU's vpl011 keeps 32, and a
    guest busy right after boot drains it late): when no answer came within
    a third of the time left, ^C and type it again once, with a new marker."""
    con.switch_to(dom)
    for attempt in (1, 2):
        con.send(b"\x03")  # drop whatever an earlier attempt left typed
        time.sleep(0.3)
        nonce = os.urandom(6).hex()
        begin = f"ELSCOPE-BEGIN-{nonce}".encode()
        end = f"ELSCOPE-END-{nonce}:".encode()
        line = (f"printf '%s%s\\n' ELSCOPE-BEGIN- {nonce}; {{ {command}\n"
                f"}}; printf '%s%s:%s\\n' ELSCOPE-END- {nonce} $?\n")
        start = len(con.stream(dom))
        con.type(dom, line.encode())

        def complete():
            out = con.stream(dom)[start:]
            return begin + b"\r\n" in out and end in out and b"\n" in out[out.find(end):]

        left = con.deadline - time.monotonic()
        limit = con.deadline if attempt == 2 else time.monotonic() + max(left / 3, 2)
        try:
            con.pump(complete, f"the answer of DOM{dom}'s shell", limit)
            break
        except Fail as e:
            if attempt == 2 or e.status != 124 or time.monotonic() >= con.deadline:
                raise
    out = con.stream(dom)[start:]
    i = out.find(begin + b"\r\n") + len(begin) + 2
    j = out.find(end)
    status = out[j + len(end):out.find(b"\n", j)].strip()
    try:
        status = int(status)
    except ValueError:
        raise Fail(f"cannot read the exit status from {status[:40]!r}")
    return out[i:j].replace(b"\r\n", b"\n"), status


# Where the output of a debug key starts (Xen 4.17; 'r' prints no header).
KEY_START = {
    "q": rb"'q' pressed -> ",
    "r": rb"sched_smt_power_savings: ",
    "e": rb"'e' pressed -> ",
}
# Pressed last: its start is the end of the keys before it.
SENTINEL = ("m", rb"Physical memory information:", rb"Dom heap: ")


def press_keys(con, keys):
    """Xen handles a key in a tasklet that runs the last key pressed, so the
    next key goes in only once the output of the one before has started."""
    con.switch_to(None)
    start = len(con.stream(XEN))
    seq = [(k, KEY_START[k]) for k in keys] + [(SENTINEL[0], SENTINEL[1])]
    for key, marker in seq:
        seen = len(con.stream(XEN))
        con.send(key.encode())
        con.pump(lambda: re.search(marker, con.stream(XEN)[seen:]) is not None,
                 f"Xen's answer to debug key '{key}'")
    end_at = len(con.stream(XEN))
    con.pump(lambda: re.search(SENTINEL[2] + rb".*\n", con.stream(XEN)[max(0, end_at - 200):]) is not None,
             "the end of Xen's memory information")
    text = con.stream(XEN)[start:]
    first = re.search(KEY_START[keys[0]], text)
    last = re.search(SENTINEL[1], text)
    text = text[text.rfind(b"\n", 0, first.start()) + 1:text.rfind(b"\n", 0, last.start()) + 1]
    return b"".join(ln for ln in text.splitlines(keepends=True) if not SWITCH.search(ln))


def with_console(sock, xenlog, timeout, fn):
    deadline = time.monotonic() + timeout
    con = Console(sock, xenlog, deadline)
    try:
        return fn(con)
    finally:
        # Back to dom0 (where Xen leaves it after boot), even after a timeout.
        try:
            con.switch_to(DOM0, time.monotonic() + 10)
        except Fail as e:
            print(f"xenconsole: {e}", file=sys.stderr)
        con.close()


def main(argv):
    if len(argv) == 5 and argv[1] == "split":
        return split(argv[2], argv[3], int(argv[4]))
    if len(argv) == 7 and argv[1] == "exec":
        try:
            dom = int(argv[5])
        except ValueError:
            raise Fail(f"bad domain id '{argv[5]}'", 2)
        out, status = with_console(argv[2], argv[3], float(argv[4]),
                                   lambda con: run_in_guest(con, dom, argv[6]))
        sys.stdout.write(out.decode(errors="replace"))
        return status
    if len(argv) == 6 and argv[1] == "keys":
        keys = argv[5]
        bad = [k for k in keys if k not in KEY_START]
        if not keys or bad:
            raise Fail(f"debug keys must be some of {''.join(KEY_START)}", 2)
        out = with_console(argv[2], argv[3], float(argv[4]), lambda con: press_keys(con, keys))
        sys.stdout.write(out.decode(errors="replace"))
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Fail as e:
        print(f"xenconsole: {e}", file=sys.stderr)
        sys.exit(e.status)
    except KeyboardInterrupt:
        sys.exit(130)
