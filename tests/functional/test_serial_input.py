# SPDX-License-Identifier: GPL-2.0-or-later
"""Input to the guest's COM1: through a unix socket chardev and through the
-nographic stdio mux (with its Ctrl-A escape), using hello.elf's
interrupt-driven echo mode."""
import select
import subprocess
import time

import pytest

from vireo import DEBUG_EXIT, EXIT_PASS, connect_unix

pytestmark = pytest.mark.kvm

PROMPT = "> "
SERIAL_SOCKET = "socket,id=s0,path=@DIR@/serial.sock,server=on,wait=off"


def read_until(sock, text, timeout=10.0):
    """Reads from a socket until `text` arrives; returns all read."""
    data = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in data.replace(b"\r\n", b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {text!r} on the serial socket: {data!r}")
        if select.select([sock], [], [], left)[0]:
            chunk = sock.recv(4096)
            if not chunk:
                raise EOFError(f"serial socket closed before {text!r}: "
                               f"{data!r}")
            data += chunk
    return data.decode(errors="replace").replace("\r\n", "\n")


def test_echo_over_socket_chardev(vireo, kernels):
    # -S holds the guest until the serial client is there: a socket chardev
    # with no client drops output, as QEMU's does.
    v = vireo(["-S", "-display", "none", "-no-reboot", *DEBUG_EXIT,
               "-chardev", SERIAL_SOCKET, "-serial", "chardev:s0",
               "-kernel", kernels / "hello.elf", "-append", "echo"], qmp=True)
    serial_path = v.path("serial.sock")
    v.launch()
    qmp = v.qmp()
    serial = connect_unix(serial_path, 10)
    try:
        qmp.ok("cont")
        out = read_until(serial, PROMPT)
        assert "hello: interrupts on" in out
        serial.sendall(b"echo me please\r")
        out = read_until(serial, "echo me please\n" + PROMPT)
        serial.sendall(b"quit\r")
        out = read_until(serial, "PASS hello")
    finally:
        serial.close()
    assert v.wait(10) == EXIT_PASS, v.describe()


def test_socket_chardev_accepts_client_later(vireo, kernels):
    """With wait=off the guest runs before anyone connects; input typed by
    a client that comes later still reaches it."""
    v = vireo(["-display", "none", "-no-reboot", *DEBUG_EXIT,
               "-chardev", SERIAL_SOCKET, "-serial", "chardev:s0",
               "-kernel", kernels / "hello.elf", "-append", "echo"])
    serial_path = v.path("serial.sock")
    v.launch()
    serial = connect_unix(serial_path, 10)
    try:
        # the prompt may have gone out before we connected: Enter on an
        # empty line brings a new one
        deadline = time.monotonic() + 10
        seen = ""
        while PROMPT not in seen:
            assert time.monotonic() < deadline, f"no prompt: {seen!r}"
            serial.sendall(b"\r")
            try:
                seen += read_until(serial, PROMPT, timeout=0.3)
            except TimeoutError:
                pass
        serial.sendall(b"late\r")
        read_until(serial, "late\n" + PROMPT)
        serial.sendall(b"quit\r")
        read_until(serial, "PASS hello")
    finally:
        serial.close()
    assert v.wait(10) == EXIT_PASS, v.describe()


def start_nographic(vireo, kernels):
    v = vireo(["-nographic", "-no-reboot", *DEBUG_EXIT,
               "-kernel", kernels / "hello.elf", "-append", "echo"],
              stdin=subprocess.PIPE)
    v.launch()
    v.wait_output(PROMPT)
    return v


def test_nographic_stdin_quit(vireo, kernels):
    v = start_nographic(vireo, kernels)
    v.proc.stdin.write(b"typed on stdin\r")
    v.proc.stdin.flush()
    v.wait_output("typed on stdin\n" + PROMPT)
    v.proc.stdin.write(b"quit\r")
    v.proc.stdin.flush()
    assert v.wait(10) == EXIT_PASS, v.describe()
    assert "PASS hello" in v.serial()


def test_nographic_ctrl_a_x_terminates(vireo, kernels):
    v = start_nographic(vireo, kernels)
    v.proc.stdin.write(b"\x01x")
    v.proc.stdin.flush()
    assert v.wait(10) == 0, v.describe()
    out = v.stdout() + v.stderr()
    assert "terminated" in out.lower(), v.describe()
    assert "PASS" not in out


def test_nographic_ctrl_a_a_sends_ctrl_a(vireo, kernels):
    """Ctrl-A Ctrl-A passes one Ctrl-A to the guest, so the mux does not
    eat it and the guest's line is not `quit`."""
    v = start_nographic(vireo, kernels)
    v.proc.stdin.write(b"\x01\x01quit\r")
    v.proc.stdin.flush()
    v.wait_output("quit\n" + PROMPT)
    assert v.proc.poll() is None, v.describe()
    v.proc.stdin.write(b"quit\r")
    v.proc.stdin.flush()
    assert v.wait(10) == EXIT_PASS, v.describe()
