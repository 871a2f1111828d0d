#!/usr/bin/env python3
"""Small socket helpers for lab/lab (bash cannot speak to unix sockets).

  labctl.py freeport
      print a TCP port on 127.0.0.1 that is free right now
  labctl.py qmp SOCKET TIMEOUT COMMAND [ARGUMENTS-JSON]
      run one QMP command; print its "return" value as JSON on stdout
  labctl.py console SOCKET TIMEOUT SHELL-COMMAND
      run a command in the shell on the guest's console, print its output,
      exit with its exit status (the command must not read stdin)
  labctl.py truth LOGFILE OUTDIR [NAME...]
      extract the ground truth the guests printed on a console log: every
      complete block whose checksum holds goes to OUTDIR/NAME/ (the last one
      of a guest wins); prints the names extracted. One error line per guest
      whose block is damaged or incomplete, and per NAME given that printed
      none.
  labctl.py kernel-match VMLINUX IMAGE
      check that the kernel Image was built from VMLINUX: it holds VMLINUX's
      GNU build id note (or, without one, the same linux_banner); prints
      "build-id HEX" or "banner TEXT"

Errors are one line on stderr ("labctl: ...") and exit status 1 (2 for usage,
124 for a timeout).
"""

import base64
import hashlib
import io
import json
import mmap
import os
import re
import shutil
import socket
import struct
import sys
import tarfile
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


# ------------------------------------------------------------ ground truth
#
# A guest prints its truth on its console as
#   ELSCOPE-TRUTH-BEGIN NAME
#   <base64 lines of a gzip'd tar of its truth directory>
#   ELSCOPE-TRUTH-END NAME SHA256        (sha256 of the tar.gz)
# On Xen a line may reach the log behind a prefix such as "(d1) " or
# "(XEN) ", and with CR LF. Lines are sorted into blocks by that prefix, so
# blocks of several guests may interleave; inside a block, lines that are not
# base64 (a kernel message between two lines) are skipped, and text before a
# marker on its line (a shell prompt) is ignored.

LINE_PREFIX = re.compile(rb"^(?:\([^)]*\) )*")
BEGIN = re.compile(rb"ELSCOPE-TRUTH-BEGIN ([A-Za-z0-9_.-]+)$")
END = re.compile(rb"ELSCOPE-TRUTH-END ([A-Za-z0-9_.-]+) ([0-9a-f]{64})$")
BASE64_LINE = re.compile(rb"[A-Za-z0-9+/]+=*")


def truth_blocks(data):
    """Yield (name, payload or None, why) for every block in a console log."""
    open_blocks = {}  # line prefix -> [name, lines]
    for raw in data.split(b"\n"):
        line = raw.replace(b"\r", b"")
        prefix = LINE_PREFIX.match(line).group(0)
        body = line[len(prefix):]
        m = BEGIN.search(body)
        if m:
            old = open_blocks.pop(prefix, None)
            if old:
                yield old[0].decode(), None, "its block ends before ELSCOPE-TRUTH-END"
            open_blocks[prefix] = [m.group(1), []]
            continue
        m = END.search(body)
        if m:
            block = open_blocks.pop(prefix, None)
            name = m.group(1).decode()
            if not block or block[0] != m.group(1):
                yield name, None, "ELSCOPE-TRUTH-END without its ELSCOPE-TRUTH-BEGIN"
                continue
            try:
                payload = base64.b64decode(b"".join(block[1]), validate=True)
            except ValueError:
                yield name, None, "its block is not valid base64"
                continue
            if hashlib.sha256(payload).hexdigest() != m.group(2).decode():
                yield name, None, "its block is damaged (sha256 differs)"
                continue
            yield name, payload, None
            continue
        if prefix in open_blocks and BASE64_LINE.fullmatch(body):
            open_blocks[prefix][1].append(body)
    for name, _ in open_blocks.values():
        yield name.decode(), None, "its block is incomplete (no ELSCOPE-TRUTH-END)"


def untar_truth(payload, dest):
    """Unpack a truth tar.gz into the new directory dest (regular files and
    directories only, nothing outside dest)."""
    try:
        tar = tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz")
        members = tar.getmembers()
    except (tarfile.TarError, OSError, EOFError) as e:
        raise Fail(f"not a gzip'd tar: {e}")
    os.makedirs(dest)
    for m in members:
        name = os.path.normpath(m.name)
        if name == ".":
            continue
        if name.startswith(("/", "..")) or "/../" in f"/{name}/":
            raise Fail(f"member {m.name!r} points outside the truth directory")
        path = os.path.join(dest, name)
        if m.isdir():
            os.makedirs(path, exist_ok=True)
        elif m.isfile():
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with tar.extractfile(m) as src, open(path, "wb") as out:
                shutil.copyfileobj(src, out)
        else:
            raise Fail(f"member {m.name!r} is not a regular file or directory")


def truth(logfile, outdir, expected):
    try:
        with open(logfile, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Fail(f"truth: cannot read {logfile}: {e.strerror or e}")
    good, bad = {}, {}
    for name, payload, why in truth_blocks(data):
        if payload is None:
            bad[name] = why
        else:
            good[name] = payload
            bad.pop(name, None)
    os.makedirs(outdir, exist_ok=True)
    status = 0
    for name in sorted(good):
        dest = os.path.join(outdir, name)
        tmp = os.path.join(outdir, f".{name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            untar_truth(good[name], tmp)
        except Fail as e:
            shutil.rmtree(tmp, ignore_errors=True)
            print(f"labctl: truth of guest {name} in {logfile}: {e}", file=sys.stderr)
            status = 1
            continue
        shutil.rmtree(dest, ignore_errors=True)
        os.rename(tmp, dest)
        print(name)
    for name in sorted(bad):
        print(f"labctl: truth of guest {name} in {logfile}: {bad[name]}", file=sys.stderr)
        status = 1
    for name in expected:
        if name not in good and name not in bad:
            print(f"labctl: truth of guest {name}: no ELSCOPE-TRUTH-BEGIN {name} in {logfile}",
                  file=sys.stderr)
            status = 1
    return status


# ------------------------------------------------------------ kernel-match

def elf_build_id(f):
    """The GNU build id of an ELF64 little-endian file (mmap), or None."""
    if f[:4] != b"\x7fELF" or f[4] != 2 or f[5] != 1:
        raise Fail("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", f, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", f, 0x3a)
    if shoff + shnum * shentsize > len(f):
        raise Fail("section headers beyond the end of the file")
    for i in range(shnum):
        sh_type, = struct.unpack_from("<I", f, shoff + i * shentsize + 4)
        if sh_type != 7:  # SHT_NOTE
            continue
        off, size = struct.unpack_from("<QQ", f, shoff + i * shentsize + 0x18)
        pos, end = off, min(off + size, len(f))
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", f, pos)
            name_at = pos + 12
            desc_at = name_at + (namesz + 3) // 4 * 4
            nxt = desc_at + (descsz + 3) // 4 * 4
            if nxt > end:
                break
            if ntype == 3 and f[name_at:name_at + namesz] == b"GNU\0":
                return f[pos:desc_at + descsz]  # the whole note
            pos = nxt
    return None


def kernel_match(vmlinux, image):
    try:
        with open(vmlinux, "rb") as vf, open(image, "rb") as imf:
            v = mmap.mmap(vf.fileno(), 0, access=mmap.ACCESS_READ)
            im = mmap.mmap(imf.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as e:
        raise Fail(f"cannot read {getattr(e, 'filename', None) or vmlinux}: {getattr(e, 'strerror', None) or e}")
    note = elf_build_id(v)
    if note is not None:
        hexid = note[16:].hex()
        if im.find(note) < 0:
            raise Fail(f"the Image does not hold the vmlinux's build id {hexid}")
        print(f"build-id {hexid}")
        return 0
    m = re.search(rb"Linux version [^\n\0]+", im)
    if not m:
        raise Fail("the Image holds no linux_banner")
    if v.find(m.group(0)) < 0:
        raise Fail(f"the vmlinux does not hold the Image's banner {m.group(0)[:60]!r}")
    print(f"banner {m.group(0).decode(errors='replace')}")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "freeport":
        freeport()
        return 0
    if len(argv) in (5, 6) and argv[1] == "qmp":
        qmp(argv[2], float(argv[3]), argv[4], argv[5] if len(argv) == 6 else None)
        return 0
    if len(argv) == 5 and argv[1] == "console":
        return console(argv[2], float(argv[3]), argv[4])
    if len(argv) >= 4 and argv[1] == "truth":
        return truth(argv[2], argv[3], argv[4:])
    if len(argv) == 4 and argv[1] == "kernel-match":
        return kernel_match(argv[2], argv[3])
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
