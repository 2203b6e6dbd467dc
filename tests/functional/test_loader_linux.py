# SPDX-License-Identifier: GPL-2.0-or-later
"""The Linux boot protocol loader (Documentation/arch/x86/boot.rst) with
the real Debian guest kernel: inputs it cannot honour are refused with a
clear message and status 1 before any guest code runs, so these tests need
no CPU speed."""
import subprocess

import pytest

pytestmark = pytest.mark.kvm

PROG = "vireo-system-x86_64: "


def run(vireo_bin, guest, *args):
    return subprocess.run([str(vireo_bin), "-M", "pc", "-accel", "kvm", "-S",
                           "-display", "none", "-nodefaults",
                           "-kernel", str(guest / "vmlinuz"),
                           *[str(a) for a in args]],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=20)


def assert_refused(r, *words):
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert r.stderr.startswith(PROG), r.stderr[-2000:]
    assert len(r.stderr) < 1000, "the message should not echo the input"
    for w in words:
        assert w in r.stderr, (w, r.stderr)


@pytest.mark.parametrize("length", [4096, 120 * 1024])
def test_cmdline_longer_than_kernel_limit(vireo_bin, guest, length):
    # 120 KiB: one argv string is capped at 128 KiB by Linux (MAX_ARG_STRLEN)
    r = run(vireo_bin, guest, "-append", "x" * length)
    assert_refused(r, "command line", str(length), "2047")


def test_cmdline_at_kernel_limit_is_accepted(vireo, guest):
    """2047 bytes (cmdline_size of 6.1 x86 kernels) is fine: the machine is
    built and waits in prelaunch."""
    v = vireo(["-S", "-display", "none", "-nodefaults",
               "-kernel", guest / "vmlinuz", "-append", "x" * 2047],
              qmp=True).launch()
    assert v.qmp().ok("query-status")["status"] == "prelaunch"


def test_initrd_bigger_than_ram(vireo_bin, guest, tmp_path):
    big = tmp_path / "big.img"
    with open(big, "wb") as f:
        f.truncate(100 << 20)       # sparse: costs no disk
    r = run(vireo_bin, guest, "-m", "96", "-initrd", big)
    assert_refused(r, str(big), "initrd", "-m")


def test_kernel_bigger_than_ram(vireo_bin, guest):
    r = run(vireo_bin, guest, "-m", "32")
    assert_refused(r, "vmlinuz", "-m")


def test_missing_initrd(vireo_bin, guest):
    r = run(vireo_bin, guest, "-initrd", "/nonexistent/initrd.img")
    assert_refused(r, "/nonexistent/initrd.img")


def test_truncated_bzimage(vireo_bin, guest, tmp_path):
    cut = tmp_path / "vmlinuz-cut"
    cut.write_bytes((guest / "vmlinuz").read_bytes()[:64 * 1024])
    r = subprocess.run([str(vireo_bin), "-M", "pc", "-accel", "kvm", "-S",
                        "-display", "none", "-nodefaults", "-kernel", cut],
                       capture_output=True, text=True, timeout=20)
    assert_refused(r, str(cut))


def test_guest_boots_into_prelaunch(vireo, guest):
    """The real kernel and initrd load: the machine reaches prelaunch and
    QMP shows the loader's inputs."""
    v = vireo(["-S", "-display", "none", "-nodefaults", "-m", "512",
               "-kernel", guest / "vmlinuz", "-initrd",
               guest / "initrd.cpio.gz", "-append", "console=ttyS0 quiet"],
              qmp=True).launch()
    q = v.qmp()
    assert q.ok("query-status")["status"] == "prelaunch"
    assert q.ok("qom-get", path="/machine",
                property="append") == "console=ttyS0 quiet"
    assert q.ok("qom-get", path="/machine",
                property="kernel") == str(guest / "vmlinuz")
