# SPDX-License-Identifier: GPL-2.0-or-later
"""The Debian test guest (a real 6.1 kernel and busybox) on the software
CPU: it boots to its marker and acts on guest.test words."""
import pytest


@pytest.fixture
def boot_linux(vireo, guest):
    def boot(words, smp=1, timeout=180):
        v = vireo(["-m", "512", "-smp", str(smp), "-nographic", "-no-reboot",
                   "-kernel", guest / "vmlinuz",
                   "-initrd", guest / "initrd.cpio.gz",
                   "-append", f"console=ttyS0 {words}"], accel="tcg")
        v.run(timeout)
        return v
    return boot


def test_boots_and_powers_off(boot_linux):
    v = boot_linux("guest.test=poweroff")
    out = v.serial()
    assert "VIREO-GUEST-READY" in out, v.describe()
    assert "reboot: Power down" in out, v.describe()
    assert v.proc.returncode == 0, v.describe()


def test_nproc_smp2(boot_linux):
    v = boot_linux("guest.test=nproc", smp=2)
    assert "nproc: 2\n" in v.serial(), v.describe()
    assert v.proc.returncode == 0, v.describe()


def test_system_powerdown_powers_linux_off(vireo, guest):
    """QMP system_powerdown presses the ACPI power button; the guest's
    kernel reports it through its button driver and acpid powers off."""
    v = vireo(["-m", "512", "-display", "none", "-no-reboot",
               "-serial", "file:@DIR@/serial.txt",
               "-kernel", guest / "vmlinuz", "-initrd", guest / "initrd.cpio.gz",
               "-append", "console=ttyS0 guest.test=wait"],
              accel="tcg", qmp=True).launch()
    q = v.qmp()
    v.wait_output("guest: waiting for the power button", name="serial.txt",
                  timeout=180)
    assert q.ok("system_powerdown") == {}
    q.wait_event("POWERDOWN")
    ev = q.wait_event("SHUTDOWN", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert v.wait(30) == 0, v.describe()
    assert "guest: power button" in v.serial("serial.txt"), v.describe()
