# SPDX-License-Identifier: GPL-2.0-or-later
"""The command line as a user meets it: bad input ends with one clear
message and status 1 before any guest runs; help and version; -pidfile,
-daemonize, -name; SIGTERM."""
import os
import signal
import subprocess
import time

import pytest

from vireo import QMPClient, short_tmpdir

PROG = "vireo-system-x86_64: "


def run(vireo_bin, *args, timeout=10, accel="kvm"):
    """Runs Vireo to its end; -S keeps a wrongly accepted line from
    running a guest."""
    argv = [str(vireo_bin), "-M", "pc", "-S", "-display", "none",
            "-nodefaults", *[str(a) for a in args]]
    if accel:
        argv[3:3] = ["-accel", accel]
    return subprocess.run(argv, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def assert_refused(r, *words):
    """Status 1, nothing on stdout, one line on stderr naming the program
    and holding every word."""
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stdout == ""
    first = r.stderr.splitlines()[0] if r.stderr else ""
    assert first.startswith(PROG), r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    assert "Segmentation" not in r.stderr and "assert" not in r.stderr


BAD_OPTIONS = [
    (["-foo"], ["-foo: invalid option"]),
    (["-m"], ["-m", "requires an argument"]),
    (["-m", "0"], ["-m 0"]),
    (["-m", "abc"], ["-m abc", "abc"]),
    (["-m", "-5"], ["-5"]),
    (["-smp", "0"], ["-smp", "0"]),
    (["-smp", "256"], ["256", "255"]),
    (["-smp", "abc"], ["abc"]),
    (["-M", "nope"], ["nope", "-machine help"]),
    (["-device", "nope"], ["nope", "device"]),
    (["-device", "isa-debug-exit,bogus=1"], ["bogus"]),
    (["-device", "isa-debug-exit,iobase=xyz"], ["iobase"]),
    (["-accel", "nope"], ["invalid accelerator nope"]),
    (["-kernel", "/nonexistent/vmlinuz"], ["/nonexistent/vmlinuz",
                                           "No such file"]),
    (["-append", "console=ttyS0"], ["-append", "-kernel"]),
    (["-initrd", "/etc/hostname"], ["-initrd", "-kernel"]),
    (["-serial", "bogus:x"], ["bogus"]),
    (["-chardev", "socket,id=x"], ["-chardev", "no host given"]),
    (["-qmp", "unix:/nonexistent/dir/q.sock,server=on,wait=off"],
     ["/nonexistent/dir/q.sock"]),
]


@pytest.mark.kvm
@pytest.mark.parametrize("args,words", BAD_OPTIONS,
                         ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_bad_option(vireo_bin, args, words):
    assert_refused(run(vireo_bin, *args), *words)


def accelerators(vireo_bin):
    r = subprocess.run([str(vireo_bin), "-accel", "help"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Accelerators supported in Vireo binary:", r.stdout
    return lines[1:]


def test_accel_help(vireo_bin):
    assert "kvm" in accelerators(vireo_bin)


@pytest.mark.parametrize("value", ["maybe", ""])
def test_accel_tcg_jit_takes_on_or_off(vireo_bin, value):
    assert_refused(run(vireo_bin, accel=f"tcg,jit={value}"), "jit",
                   "on or off")


@pytest.mark.kvm
def test_accel_tcg_agrees_with_help(vireo, vireo_bin):
    """-accel tcg works when -accel help lists tcg, and is refused with a
    message naming tcg when it does not."""
    if "tcg" in accelerators(vireo_bin):
        v = vireo(["-S", "-display", "none", "-nodefaults"], accel="tcg",
                  qmp=True).launch()
        assert v.qmp().ok("query-kvm")["enabled"] is False
    else:
        r = subprocess.run([str(vireo_bin), "-M", "pc", "-accel", "tcg",
                            "-S", "-display", "none", "-nodefaults"],
                           capture_output=True, text=True, timeout=10)
        assert_refused(r, "tcg")


@pytest.mark.kvm
def test_truncated_kernel(vireo_bin, kernels, tmp_path):
    bad = tmp_path / "trunc.elf"
    bad.write_bytes((kernels / "hello.elf").read_bytes()[:100])
    assert_refused(run(vireo_bin, "-kernel", bad), str(bad))


@pytest.mark.kvm
def test_not_a_kernel(vireo_bin, tmp_path):
    text = tmp_path / "hostname"
    text.write_text("my-host\n")
    r = run(vireo_bin, "-kernel", text)
    assert_refused(r, str(text), "bzImage", "multiboot", "ELF")


@pytest.mark.kvm
def test_empty_kernel(vireo_bin, tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert_refused(run(vireo_bin, "-kernel", empty), str(empty))


@pytest.mark.kvm
def test_kernel_is_a_directory(vireo_bin, tmp_path):
    assert_refused(run(vireo_bin, "-kernel", tmp_path), str(tmp_path))


@pytest.mark.kvm
def test_missing_initrd(vireo_bin, kernels):
    r = run(vireo_bin, "-kernel", kernels / "hello.elf",
            "-initrd", "/nonexistent/initrd")
    assert_refused(r, "/nonexistent/initrd", "No such file")


def test_machine_help(vireo_bin):
    r = run(vireo_bin, "-machine", "help", accel=None)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Supported machines are:\n")
    lines = r.stdout.splitlines()[1:]
    assert any(line.split()[0] == "pc" for line in lines), r.stdout
    assert sum("(default)" in line for line in lines) == 1, r.stdout


def test_device_help(vireo_bin):
    r = run(vireo_bin, "-device", "help", accel=None)
    assert r.returncode == 0, r.stderr
    for name in ("isa-debug-exit", "pc-testdev", "isa-serial"):
        assert f'name "{name}"' in r.stdout, r.stdout


def test_device_help_lines_are_well_formed(vireo_bin):
    """QEMU's shape: name "x", bus Y[, desc "..."] with quotes closed."""
    r = run(vireo_bin, "-device", "help", accel=None)
    for line in r.stdout.splitlines():
        if line.startswith("name "):
            assert line.count('"') % 2 == 0, line


def test_device_property_help(vireo_bin):
    r = run(vireo_bin, "-device", "isa-debug-exit,help", accel=None)
    assert r.returncode == 0, r.stderr
    assert "iobase" in r.stdout and "iosize" in r.stdout, r.stdout


def test_version(vireo_bin):
    r = run(vireo_bin, "-version", accel=None)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith("Vireo emulator version "), r.stdout


@pytest.mark.parametrize("opt", ["-h", "-help", "--help"])
def test_help(vireo_bin, opt):
    r = run(vireo_bin, opt, accel=None)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: vireo-system-x86_64 [options]")
    for opt_name in ("-kernel", "-append", "-initrd", "-smp", "-qmp",
                     "-serial", "-nographic", "-device", "-accel"):
        assert opt_name in r.stdout, opt_name


def wait_file(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or os.path.getsize(path) == 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.01)
    with open(path) as f:
        return f.read()


@pytest.mark.kvm
def test_pidfile(vireo):
    v = vireo(["-S", "-display", "none", "-nodefaults",
               "-pidfile", "@DIR@/vm.pid"], qmp=True).launch()
    pidfile = v.path("vm.pid")
    assert int(wait_file(pidfile)) == v.proc.pid
    v.qmp().ok("quit")
    assert v.wait(10) == 0, v.describe()
    assert not os.path.exists(pidfile)


@pytest.mark.kvm
def test_pidfile_locked_by_running_instance(vireo):
    first = vireo(["-S", "-display", "none", "-nodefaults",
                   "-pidfile", "@DIR@/vm.pid"], qmp=True).launch()
    pidfile = first.path("vm.pid")
    wait_file(pidfile)
    second = vireo(["-S", "-display", "none", "-nodefaults",
                    "-pidfile", pidfile])
    assert second.run(10) == 1, second.describe()
    assert "pid" in second.stderr().lower(), second.describe()
    assert int(wait_file(pidfile)) == first.proc.pid


def alive(pid):
    """True while `pid` runs; a zombie waiting for init counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.kvm
def test_daemonize(vireo_bin):
    tmp = short_tmpdir()
    pidfile, sock = f"{tmp}/vm.pid", f"{tmp}/qmp.sock"
    start = time.monotonic()
    r = subprocess.run([str(vireo_bin), "-M", "pc", "-accel", "kvm", "-S",
                        "-display", "none", "-nodefaults", "-daemonize",
                        "-pidfile", pidfile,
                        "-qmp", f"unix:{sock},server=on,wait=off"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=20)
    took = time.monotonic() - start
    pid = int(wait_file(pidfile))
    try:
        assert r.returncode == 0, r.stderr
        assert took < 5
        assert alive(pid)
        # like QEMU, the parent returns once the VM is set up
        assert os.path.exists(sock), "QMP socket missing after -daemonize"
        q = QMPClient(sock)
        assert q.ok("query-status")["status"] == "prelaunch"
        q.ok("quit")
        q.close()
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not alive(pid)
        assert not os.path.exists(pidfile)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
        for f in (pidfile, sock):
            if os.path.exists(f):
                os.unlink(f)
        os.rmdir(tmp)


@pytest.mark.kvm
def test_name(vireo):
    v = vireo(["-S", "-display", "none", "-nodefaults", "-name", "foo"],
              qmp=True).launch()
    assert v.qmp().ok("query-name") == {"name": "foo"}


@pytest.mark.kvm
def test_name_guest_option(vireo):
    v = vireo(["-S", "-display", "none", "-nodefaults",
               "-name", "guest=bar"], qmp=True).launch()
    assert v.qmp().ok("query-name") == {"name": "bar"}


@pytest.mark.kvm
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_ends_cleanly(vireo, sig):
    v = vireo(["-S", "-display", "none", "-nodefaults",
               "-pidfile", "@DIR@/vm.pid"], qmp=True).launch()
    v.qmp()  # up and listening
    v.proc.send_signal(sig)
    assert v.wait(10) == 0, v.describe()
    assert f"terminating on signal {int(sig)}" in v.stderr()
    assert not os.path.exists(v.path("vm.pid"))
