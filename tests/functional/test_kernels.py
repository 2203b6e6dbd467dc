# SPDX-License-Identifier: GPL-2.0-or-later
"""Every test kernel of tests/kernels on KVM: each must print `PASS <name>`
on COM1 and exit through isa-debug-exit with status 33 (see
tests/kernels/README.md for what each one checks)."""
import re

import pytest

from vireo import DEBUG_EXIT, EXIT_PASS, assert_passed

# (kernel, extra arguments, vCPU counts worth running it with)
KERNELS = [
    ("hello.elf", [], [1, 2]),
    ("io.elf", ["-device", "pc-testdev"], [1, 2]),
    ("timer.elf", [], [1, 2]),
    ("long64.elf", ["-device", "pc-testdev"], [1, 2]),
    ("realmode.bin", ["-device", "pc-testdev"], [1]),
]


@pytest.mark.parametrize("kernel,args,smp", [
    pytest.param(k, a, n, id=f"{k}-smp{n}")
    for k, a, cpus in KERNELS for n in cpus])
def test_kernel_passes(run_kernel, kernel, args, smp):
    v = run_kernel(kernel, *args, smp=smp)
    assert_passed(v, kernel.split(".")[0])


def test_hello_exit_code(run_kernel):
    v = run_kernel("hello.elf", "-append", "exit=7")
    assert v.proc.returncode == (7 << 1) | 1, v.describe()
    assert "hello: exit 7" in v.serial(), v.describe()


def test_hello_prints_cmdline(run_kernel, kernels):
    v = run_kernel("hello.elf", "-append", "one two")
    assert_passed(v, "hello")
    assert f"hello: cmdline={kernels}/hello.elf one two\n" in v.serial()


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_smp_count(run_kernel, smp):
    v = run_kernel("smp.elf", smp=smp)
    assert_passed(v, "smp")
    out = v.serial()
    assert f"smp: fw_cfg reports {smp} cpus" in out
    assert f"smp: {smp} cpus\n" in out
    up = re.findall(r"smp: cpu (\d+) up", out)
    assert sorted(int(i) for i in up) == list(range(1, smp)), out


@pytest.mark.parametrize("how", ["", "kbd", "port92"])
def test_reset_comes_back(run_kernel, how):
    args = ["-append", how] if how else []
    v = run_kernel("reset.elf", *args, reboot=True)
    assert_passed(v, "reset")
    out = v.serial()
    assert out.index("reset: resetting") < out.index("reset: came back")


def test_reset_with_no_reboot_exits(run_kernel):
    v = run_kernel("reset.elf", reboot=False)
    assert v.proc.returncode == 0, v.describe()
    out = v.serial()
    assert "reset: resetting" in out, v.describe()
    assert "came back" not in out and "PASS" not in out, v.describe()


def test_mbinfo_cmdline_and_modules(run_kernel, kernels, tmp_path):
    mod_a = tmp_path / "mod-a.txt"
    mod_b = tmp_path / "mod-b.txt"
    mod_a.write_bytes(b"first module data" + bytes(5000))
    mod_b.write_bytes(b"SECOND-MODULE-BYTES!")
    v = run_kernel("mbinfo.bin", "-append", "a b c",
                   "-initrd", f"{mod_a},{mod_b} arg1 arg2")
    assert_passed(v, "mbinfo")
    out = v.serial()
    assert f"mbinfo: cmdline={kernels}/mbinfo.bin a b c\n" in out
    assert "mbinfo: mods_count=2\n" in out
    mods = re.findall(r"module (\d): 0x([0-9a-f]+)-0x([0-9a-f]+) string=(.*)",
                      out)
    assert [(m[0], m[3]) for m in mods] == [
        ("0", str(mod_a)), ("1", f"{mod_b} arg1 arg2")], out
    sizes = [int(end, 16) - int(start, 16) for _, start, end, _ in mods]
    assert sizes == [5017, 20], out
    assert 'module 0: data "first module dat"' in out
    assert 'module 1: data "SECOND-MODULE-BY"' in out


def test_mbinfo_memory_size(run_kernel):
    v = run_kernel("mbinfo.bin", "-m", "256")
    assert_passed(v, "mbinfo")
    out = v.serial()
    # mem_upper: KiB of RAM contiguous from 1 MiB; firmware may keep a
    # little at the top for itself
    upper = int(re.search(r"mem_upper=(\d+) KiB", out).group(1))
    assert 254 * 1024 <= upper <= 255 * 1024, out
    usable = [(int(b, 16), int(n, 16)) for b, n in re.findall(
        r"mmap base=0x([0-9a-f]+) length=0x([0-9a-f]+) type=1", out)]
    above_1m = [(b, n) for b, n in usable if b == 1 << 20]
    assert len(above_1m) == 1, out
    assert 254 << 20 <= above_1m[0][1] <= 255 << 20, out
    assert all(b + n <= 256 << 20 for b, n in usable), out


@pytest.mark.parametrize("serial,where", [
    (["-display", "none", "-serial", "stdio"], "stdout"),
    (["-display", "none", "-serial", "file:@DIR@/com1.txt"], "com1.txt"),
    (["-nodefaults", "-display", "none", "-serial", "file:@DIR@/com1.txt"],
     "com1.txt"),
    (["-display", "none", "-chardev", "file,id=c1,path=@DIR@/com1.txt",
      "-serial", "chardev:c1"], "com1.txt"),
], ids=["stdio", "file", "nodefaults-file", "chardev-file"])
def test_serial_backends(vireo, kernels, kvm, serial, where):
    v = vireo(["-no-reboot", *DEBUG_EXIT, *serial,
               "-kernel", kernels / "hello.elf"])
    assert v.run(30) == EXIT_PASS, v.describe()
    assert "PASS hello\n" in v.serial(where), v.describe()
    if where != "stdout":
        assert "hello" not in v.stdout(), v.describe()


def test_nodefaults_has_no_serial(vireo, kernels, kvm):
    """-nodefaults without -serial: the guest's COM1 output goes nowhere,
    and the kernel still passes (it does not need the UART to answer)."""
    v = vireo(["-nodefaults", "-display", "none", "-no-reboot", *DEBUG_EXIT,
               "-kernel", kernels / "hello.elf"])
    assert v.run(30) == EXIT_PASS, v.describe()
    assert "hello" not in v.stdout()
