# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for Vireo's functional tests: a launcher for the emulator process
and a QMP client over a unix socket (QMP wire format: one JSON object per
line, greeting first, then replies and asynchronous events)."""
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time

KVM_GET_API_VERSION = 0xAE00
KVM_API_VERSION = 12

# The device every kernel run uses to report its result as an exit status.
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
EXIT_PASS = (0x10 << 1) | 1
EXIT_FAIL = (0x11 << 1) | 1


def assert_passed(v, name):
    """A test kernel run ended well: exit 33 and its PASS line, no FAIL."""
    out = v.serial()
    assert v.proc.returncode == EXIT_PASS, v.describe()
    assert f"PASS {name}\n" in out, v.describe()
    assert "FAIL" not in out, v.describe()


def kvm_unusable_reason():
    """None when /dev/kvm can run guests, else why it cannot."""
    import fcntl
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"no /dev/kvm: {e.strerror}"
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as e:
        return f"no /dev/kvm: KVM_GET_API_VERSION failed: {e.strerror}"
    finally:
        os.close(fd)
    if version != KVM_API_VERSION:
        return f"no /dev/kvm: API version {version}, want {KVM_API_VERSION}"
    return None


def short_tmpdir():
    """A private directory with a short path: unix socket paths must fit in
    108 bytes, which pytest's tmp_path does not promise."""
    return tempfile.mkdtemp(prefix="vft", dir="/tmp")


class QMPError(Exception):
    pass


class QMPClient:
    """A QMP client: reads the greeting on connect, keeps every event it
    sees in `events`, and returns replies whole (with "return" or "error")."""

    def __init__(self, path, timeout=10.0, negotiate=True):
        self.path = path
        self.timeout = timeout
        self.events = []
        self._buf = b""
        self.sock = connect_unix(path, timeout)
        self.greeting = self.read_message(timeout)
        if "QMP" not in self.greeting:
            raise QMPError(f"bad QMP greeting: {self.greeting!r}")
        if negotiate:
            reply = self.cmd("qmp_capabilities")
            if "return" not in reply:
                raise QMPError(f"qmp_capabilities failed: {reply!r}")

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj) + "\n")

    def read_line(self, timeout=None):
        """One line from the server; raises TimeoutError or EOFError."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"QMP {self.path}: no reply in time "
                                   f"(have {self._buf[:200]!r})")
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"QMP {self.path}: connection closed")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode()

    def read_message(self, timeout=None):
        return json.loads(self.read_line(timeout))

    def reply(self, timeout=None):
        """The next reply (not an event); events met meanwhile are kept."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            msg = self.read_message(max(0.01, deadline - time.monotonic()))
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def cmd_obj(self, obj, timeout=None):
        self.send(obj)
        return self.reply(timeout)

    def cmd(self, name, args=None, **kwargs):
        """Runs command `name`; arguments as a dict, keywords or both."""
        obj = {"execute": name}
        arguments = dict(args or {}, **kwargs)
        if arguments:
            obj["arguments"] = arguments
        return self.cmd_obj(obj)

    def ok(self, name, args=None, **kwargs):
        """Runs a command that must succeed; returns its "return" value."""
        reply = self.cmd(name, args, **kwargs)
        if "return" not in reply:
            raise QMPError(f"{name} failed: {reply!r}")
        return reply["return"]

    def wait_event(self, name, timeout=None):
        """Returns (and removes from `events`) the first event `name`."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"QMP {self.path}: no {name} event; "
                                   f"saw {[e['event'] for e in self.events]}")
            try:
                msg = self.read_message(left)
            except TimeoutError:
                continue
            if "event" in msg:
                self.events.append(msg)
            else:
                raise QMPError(f"unexpected reply while waiting for {name}: "
                               f"{msg!r}")


def connect_unix(path, timeout):
    """Connects to a unix socket, retrying until the server listens."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {path}")
            time.sleep(0.005)


class Vireo:
    """One emulator process. The argument list gets `-qmp` when qmp=True and
    keeps the serial on stdout (the caller passes -nographic or -serial);
    "@DIR@" in an argument stands for the run's private directory.
    stdout and stderr go to files in a private directory, so a chatty guest
    never blocks on a pipe."""

    def __init__(self, binary, args, qmp=False, stdin=subprocess.DEVNULL,
                 accel="kvm", machine="pc"):
        self.binary = str(binary)
        self.dir = short_tmpdir()
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.argv = [self.binary]
        if machine:
            self.argv += ["-M", machine]
        if accel:
            self.argv += ["-accel", accel]
        if qmp:
            self.argv += ["-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        self.argv += [str(a).replace("@DIR@", self.dir) for a in args]
        self.stdin = stdin
        self.proc = None
        self.clients = []
        self._out = self._err = None

    def path(self, name):
        """A path in this run's private directory."""
        return os.path.join(self.dir, name)

    def launch(self):
        self._out = open(self.path("stdout"), "wb")
        self._err = open(self.path("stderr"), "wb")
        self.proc = subprocess.Popen(self.argv, stdin=self.stdin,
                                     stdout=self._out, stderr=self._err)
        return self

    def qmp(self, path=None, negotiate=True, timeout=10.0):
        client = QMPClient(path or self.qmp_path, timeout, negotiate)
        self.clients.append(client)
        return client

    def wait(self, timeout=30.0):
        """The exit status; kills the process and fails if it takes longer."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError(f"vireo did not exit in {timeout} s: "
                               f"{' '.join(self.argv)}\nstdout: "
                               f"{self.stdout()[-2000:]}\nstderr: "
                               f"{self.stderr()[-2000:]}")

    def run(self, timeout=30.0):
        self.launch()
        return self.wait(timeout)

    def _read(self, name):
        try:
            with open(self.path(name), "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def stdout(self):
        return self._read("stdout")

    def stderr(self):
        return self._read("stderr")

    def serial(self, name="stdout"):
        """Serial output with CRLF folded to LF."""
        return self._read(name).replace("\r\n", "\n")

    def wait_output(self, text, timeout=10.0, name="stdout"):
        """Waits until the file `name` (stdout or a -serial file:) holds
        `text`; returns the whole output."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.serial(name)
            if text in out:
                return out
            if self.proc and self.proc.poll() is not None:
                raise AssertionError(f"vireo exited ({self.proc.returncode}) "
                                     f"before printing {text!r}:\n{out}"
                                     f"\nstderr: {self.stderr()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {text!r} in output:\n{out}")
            time.sleep(0.02)

    def describe(self):
        """Everything to show when an assertion about this run fails."""
        rc = self.proc.returncode if self.proc else None
        return (f"argv: {' '.join(self.argv)}\nexit: {rc}\n"
                f"stdout:\n{self.stdout()[-4000:]}\nstderr:\n"
                f"{self.stderr()[-4000:]}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def close(self):
        for c in self.clients:
            c.close()
        self.kill()
        for f in (self._out, self._err):
            if f:
                f.close()
        shutil.rmtree(self.dir, ignore_errors=True)
