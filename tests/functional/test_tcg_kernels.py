# SPDX-License-Identifier: GPL-2.0-or-later
"""Every test kernel on the software CPU (TCG): the same checks as on KVM
(PASS line, exit status 33), without /dev/kvm, so these always run."""
import re

import pytest

from vireo import DEBUG_EXIT, EXIT_PASS, assert_passed

KERNELS = [
    ("hello.elf", [], [1, 2]),
    ("io.elf", ["-device", "pc-testdev"], [1]),
    ("timer.elf", [], [1, 2]),
    ("long64.elf", ["-device", "pc-testdev"], [1]),
    ("realmode.bin", ["-device", "pc-testdev"], [1]),
    ("pci.elf", ["-device", "pci-testdev"], [1]),
    ("smp.elf", [], [1, 2, 4]),
    ("mbinfo.bin", ["-append", "a b", "-initrd", "/etc/hostname x"], [1]),
    ("paging.elf", ["-cpu", "max"], [1]),
    ("strings.elf", [], [1]),
    ("smc.elf", [], [1]),
    ("tasks.elf", [], [1]),
]


@pytest.mark.parametrize("kernel,args,smp", [
    pytest.param(k, a, n, id=f"{k}-smp{n}")
    for k, a, cpus in KERNELS for n in cpus])
def test_kernel_passes_on_tcg(run_kernel_tcg, kernel, args, smp):
    v = run_kernel_tcg(kernel, *args, smp=smp)
    assert_passed(v, kernel.split(".")[0])
    if kernel == "smp.elf":
        assert f"smp: {smp} cpus\n" in v.serial(), v.describe()


def test_reset_on_tcg(vireo, kernels):
    """A guest reset (port 0xCF9) re-enters the kernel, which then passes."""
    v = vireo(["-nographic", *DEBUG_EXIT, "-kernel", kernels / "reset.elf"],
              accel="tcg")
    v.run(60)
    assert v.proc.returncode == EXIT_PASS, v.describe()
    assert re.search(r"reset: came back", v.serial()), v.describe()


def test_paging_max_checks_smep_smap_xsave(run_kernel_tcg):
    """-cpu max on TCG has SMEP, SMAP and XSAVE, so the paging kernel runs
    those checks rather than skipping them."""
    v = run_kernel_tcg("paging.elf", "-cpu", "max")
    assert_passed(v, "paging")
    out = v.serial()
    for what in ("SMEP: supervisor fetch from a user page: error code = 0x11 ok",
                 "SMAP: write after CLAC, entry cached: error code = 0x3 ok",
                 "XMM0 after XRSTOR = 0x1 ok"):
        assert what in out, v.describe()
