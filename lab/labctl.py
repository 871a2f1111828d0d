#!/usr/bin/env python3
"""Small socket helpers for lab/lab (bash cannot speak to unix sockets).

  labctl.py freeport
      print a TCP port on 127.0.0.1 that is free right now
  labctl.py qmp SOCKET TIMEOUT COMMAND [ARGUMENTS-JSON]
      run one QMP command; print its "return" value as JSON on stdout
  labctl.py console SOCKET TIMEOUT SHELL-COMMAND
      run a command in the shell on the guest's console, print its output,
      exit with its exit status (the command must not read stdin)

Errors are one line on stderr ("labctl: ...") and exit status 1 (2 for usage,
124 for a timeout).
"""

import json
import os
import socket
import sys
import time


class Fail(Exception):
    def __init__(self, msg, status=1):
        super().__init__(msg)
        self.status = status


def connect_unix(path, deadline):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        s.connect(path)
    except OSError as e:
        s.close()
        raise Fail(f"cannot connect to {path}: {e.strerror or e}")
    return s


def recv_some(s, deadline, what):
    left = deadline - time.monotonic()
    if left <= 0:
        raise Fail(f"timed out waiting for {what}", 124)
    s.settimeout(left)
    try:
        data = s.recv(65536)
    except socket.timeout:
        raise Fail(f"timed out waiting for {what}", 124)
    except OSError as e:
        raise Fail(f"reading {what}: {e.strerror or e}")
    return data


def freeport():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def qmp(path, timeout, command, args_json=None):
    deadline = time.monotonic() + timeout
    s = connect_unix(path, deadline)
    buf = b""

    def next_message(what):
        nonlocal buf
        while b"\n" not in buf:
            data = recv_some(s, deadline, what)
            if not data:
                return None
            buf += data
        line, buf = buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            raise Fail(f"QMP sent something that is not JSON: {line[:80]!r}")

    def execute(cmd, args, ident):
        req = {"execute": cmd, "id": ident}
        if args is not None:
            req["arguments"] = args
        s.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = next_message(f"the reply to {cmd}")
            if msg is None:
                if cmd == "quit":
                    return {}
                raise Fail(f"QEMU closed the monitor during {cmd}")
            if msg.get("id") != ident:
                continue  # an event such as SHUTDOWN or STOP
            if "error" in msg:
                err = msg["error"]
                raise Fail(f"{cmd}: {err.get('desc', err)}")
            return msg.get("return", {})

    greeting = next_message("the QMP greeting")
    if greeting is None or "QMP" not in greeting:
        raise Fail("no QMP greeting on the monitor socket")
    execute("qmp_capabilities", None, "cap")
    args = None
    if args_json:
        try:
            args = json.loads(args_json)
        except ValueError as e:
            raise Fail(f"bad arguments JSON: {e}", 2)
    ret = execute(command, args, "cmd")
    print(json.dumps(ret))
    s.close()


def console(path, timeout, command):
    deadline = time.monotonic() + timeout
    s = connect_unix(path, deadline)
    # Ctrl-C first drops whatever an earlier, interrupted caller left typed
    # in; the pause lets the tty's flush on ^C pass before the command comes.
    s.sendall(b"\x03")
    time.sleep(0.3)
    nonce = os.urandom(6).hex()
    # The tty echoes what we type; the markers are built by printf so the
    # echoed command line never contains them.
    begin = f"ELSCOPE-BEGIN-{nonce}".encode()
    end = f"ELSCOPE-END-{nonce}:".encode()
    # One compound command: the shell reads (and the tty echoes) all of it
    # before it runs, so only the command's output is between the markers.
    line = (f"printf '%s%s\\n' ELSCOPE-BEGIN- {nonce}; {{ {command}\n"
            f"}}; printf '%s%s:%s\\n' ELSCOPE-END- {nonce} $?\n")
    s.sendall(line.encode())
    buf = b""
    while True:
        i = buf.find(begin + b"\r\n")
        j = buf.find(b"\n", buf.find(end)) if end in buf else -1
        if i >= 0 and j >= 0:
            break
        data = recv_some(s, deadline, "the guest shell's answer")
        if not data:
            raise Fail("the console socket closed")
        buf += data
    out = buf[i + len(begin) + 2:buf.find(end)]
    status = buf[buf.find(end) + len(end):j].strip()
    s.close()
    sys.stdout.write(out.replace(b"\r\n", b"\n").decode(errors="replace"))
    try:
        return int(status)
    except ValueError:
        raise Fail(f"cannot read the exit status from {status[:40]!r}")


def main(argv):
    if len(argv) >= 2 and argv[1] == "freeport":
        freeport()
        return 0
    if len(argv) in (5, 6) and argv[1] == "qmp":
        qmp(argv[2], float(argv[3]), argv[4], argv[5] if len(argv) == 6 else None)
        return 0
    if len(argv) == 5 and argv[1] == "console":
        return console(argv[2], float(argv[3]), argv[4])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Fail as e:
        print(f"labctl: {e}", file=sys.stderr)
        sys.exit(e.status)
    except KeyboardInterrupt:
        sys.exit(130)
