# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP system_powerdown presses the ACPI power button (ACPI spec 4.8.2.2.1,
PWRBTN_STS in PM1a): a guest that enabled the button sees the SCI and
sleeps in S5, which ends the VM with SHUTDOWN guest-shutdown. hello.elf's
echo mode is such a guest; a guest that ignores the button keeps running."""
import pytest

from vireo import DEBUG_EXIT

pytestmark = pytest.mark.kvm


def test_powerdown_guest_powers_off(vireo, kernels):
    v = vireo(["-S", "-display", "none", "-no-reboot", *DEBUG_EXIT,
               "-serial", "file:@DIR@/serial.txt",
               "-kernel", kernels / "hello.elf", "-append", "echo"],
              qmp=True).launch()
    q = v.qmp()
    q.ok("cont")
    v.wait_output("> ", name="serial.txt")
    assert q.ok("system_powerdown") == {}
    ev = q.wait_event("POWERDOWN")
    assert set(ev) == {"event", "timestamp"}
    ev = q.wait_event("SHUTDOWN")
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert v.wait(10) == 0, v.describe()
    assert "hello: power button pressed, powering off" in \
        v.serial("serial.txt")


def test_powerdown_ignored_by_guest_without_acpi(vireo, kernels):
    """hello.elf without `echo` never enables the button: POWERDOWN is
    still announced, and the VM goes on (here: from prelaunch to running,
    where the guest passes and halts)."""
    v = vireo(["-S", "-display", "none", "-no-reboot",
               "-serial", "file:@DIR@/serial.txt",
               "-kernel", kernels / "hello.elf"], qmp=True).launch()
    q = v.qmp()
    assert q.ok("system_powerdown") == {}
    q.wait_event("POWERDOWN")
    assert q.ok("query-status")["status"] == "prelaunch"
    q.ok("cont")
    v.wait_output("PASS hello", name="serial.txt")
    assert q.ok("query-status")["status"] == "running"
    assert "power button" not in v.serial("serial.txt")
