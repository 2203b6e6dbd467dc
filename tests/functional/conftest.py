# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for Vireo's functional tests: where the emulator, the test
kernels and the Debian guest are, whether KVM works, a factory of emulator
runs cleaned up after each test, and a per-test watchdog."""
import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import vireo as vh  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("VIREO_BUILD", REPO / "build"))
KERNELS = REPO / "tests" / "kernels" / "build"
FIRMWARE_IMAGES = {"realmode.bin"}  # booted with -bios, not -kernel
TEST_TIMEOUT = 120  # seconds; every wait inside a test is far shorter


def pytest_configure(config):
    config.addinivalue_line("markers", "kvm: needs a usable /dev/kvm")


def pytest_runtest_setup(item):
    if item.get_closest_marker("kvm"):
        reason = vh.kvm_unusable_reason()
        if reason:
            pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A test that hangs past TEST_TIMEOUT fails instead of stalling make."""
    def expired(signum, frame):
        raise TimeoutError(f"test ran longer than {TEST_TIMEOUT} s")
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")
def vireo_bin():
    path = BUILD / "vireo-system-x86_64"
    if not os.access(path, os.X_OK):
        pytest.skip(f"vireo not built: no {path} (run ninja -C build)")
    return path


@pytest.fixture
def kvm():
    reason = vh.kvm_unusable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def kernels():
    if not (KERNELS / "hello.elf").exists():
        pytest.skip(f"test kernels not built: no {KERNELS}/hello.elf "
                    "(run make -C tests/kernels)")
    return KERNELS


@pytest.fixture(scope="session")
def guest():
    path = BUILD / "guest"
    if not (path / "vmlinuz").exists():
        pytest.skip(f"Debian test guest not built: no {path}/vmlinuz "
                    f"(run tests/guest/build.sh {path})")
    return path


@pytest.fixture
def vireo(vireo_bin):
    """vireo(args, **kw) -> a vh.Vireo, not yet launched; every one made is
    killed and its files removed when the test ends."""
    made = []

    def make(args, **kw):
        v = vh.Vireo(vireo_bin, args, **kw)
        made.append(v)
        return v
    yield make
    for v in made:
        v.close()


@pytest.fixture
def run_kernel_tcg(vireo, kernels):
    """run_kernel_tcg(name, *args, smp=1) runs a test kernel on the software
    CPU (no /dev/kvm needed), with -no-reboot, to its exit."""
    def run(name, *args, timeout=60, smp=1):
        boot = "-bios" if name in FIRMWARE_IMAGES else "-kernel"
        v = vireo(["-no-reboot", "-nographic", "-smp", str(smp), *vh.DEBUG_EXIT,
                   boot, kernels / name, *args], accel="tcg")
        v.run(timeout)
        return v
    return run


@pytest.fixture
def run_kernel(vireo, kernels, kvm):
    """run_kernel(name, *args, reboot=False, timeout=30) runs a test kernel
    on KVM with the serial on stdout and isa-debug-exit, to its exit."""
    def run(name, *args, reboot=False, timeout=30, smp=1):
        boot = "-bios" if name in FIRMWARE_IMAGES else "-kernel"
        argv = ["-nographic", "-smp", str(smp), *vh.DEBUG_EXIT,
                boot, kernels / name, *args]
        if not reboot:
            argv.insert(0, "-no-reboot")
        v = vireo(argv)
        v.run(timeout)
        return v
    return run
