# SPDX-License-Identifier: GPL-2.0-or-later
"""The -d debug log (and -D file) on the software CPU: each item logs what
it names on a test kernel whose behaviour is known (entry code, PIT
interrupts, 64-bit paging, an unassigned port), and -d help / a bad item
behave as QEMU's."""
import re
import struct
import subprocess

import pytest

from vireo import DEBUG_EXIT

ITEMS = ["in_asm", "op", "int", "exec", "cpu", "fpu", "mmu", "unimp",
         "guest_errors"]


def elf_entry(path):
    with open(path, "rb") as f:
        head = f.read(32)
    fmt = "<Q" if head[4] == 2 else "<I"
    return struct.unpack_from(fmt, head, 24)[0]


def run_logged(vireo, kernels, kernel, items, *args, to_file=True):
    """Runs `kernel` on TCG to its exit with `-d items`; returns the run
    and the log text (the -D file, or stderr)."""
    log = ["-D", "@DIR@/debug.log"] if to_file else []
    v = vireo(["-display", "none", "-no-reboot", *DEBUG_EXIT,
               "-serial", "file:@DIR@/serial.txt", "-d", items, *log,
               "-kernel", kernels / kernel, *args], accel="tcg")
    assert v.run(60) == 33, v.describe()
    if not to_file:
        return v, v.stderr()
    with open(v.path("debug.log")) as f:
        return v, f.read()


def test_help_lists_items(vireo_bin):
    r = subprocess.run([vireo_bin, "-d", "help"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Log items (comma separated):"
    names = [ln.split()[0] for ln in lines[1:]]
    assert names == ITEMS, r.stdout


@pytest.mark.parametrize("items", ["bogus", "int,bogus", "int,,nope"])
def test_bad_item_fails(vireo_bin, items):
    r = subprocess.run([vireo_bin, "-d", items, "-M", "none"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1, (r.stdout, r.stderr)
    bad = [i for i in items.split(",") if i and i not in ITEMS][0]
    assert f'Invalid -d option "{bad}"' in r.stderr
    # As QEMU: the valid items are listed on stdout.
    assert r.stdout.startswith("Log items (comma separated):\n")


def test_in_asm_disassembles_entry(vireo, kernels):
    """hello.elf starts with `cli` at its Multiboot entry (lib/mb32.S)."""
    v, log = run_logged(vireo, kernels, "hello.elf", "in_asm")
    entry = elf_entry(kernels / "hello.elf")
    first = log.index("IN:\n")
    assert re.search(rf"^0x{entry:016x}:\s+cli\s*$", log[first:], re.M), \
        log[:2000]
    # The far jump that loads the kernel's own CS (lib/mb32.S) is there too.
    assert re.search(r"ljmpl?\s+\$0x8[:,]\s*\$0x", log), log[:2000]
    assert "PASS hello" in v.serial("serial.txt")


def test_int_logs_timer_interrupts(vireo, kernels):
    """timer.elf counts PIT ticks through the 8259 remapped to 0x20."""
    v, log = run_logged(vireo, kernels, "timer.elf", "int")
    assert re.search(r"^tcg: cpu 0 exception/interrupt 0x20 at 0008:", log,
                     re.M), log[:2000]
    assert "i8259: acknowledged vector 0x20" in log
    assert "IN:" not in log and "tcg: tlb" not in log


def test_log_goes_to_stderr_without_D(vireo, kernels):
    v, log = run_logged(vireo, kernels, "timer.elf", "int", to_file=False)
    assert "exception/interrupt 0x20" in log


def test_exec_cpu_logs_blocks_with_registers(vireo, kernels):
    """long64.elf is entered at its ELF entry in 64-bit code: the first
    block logged is there, with the register dump before it."""
    v, log = run_logged(vireo, kernels, "long64.elf", "exec,cpu",
                        "-device", "pc-testdev")
    entry = elf_entry(kernels / "long64.elf")
    head = log[:log.index("tcg: cpu 0 exec")]
    assert re.search(rf"^RIP={entry:016x} RFL=", head, re.M), head
    assert re.search(r"^CS =0010 0{16} ffffffff 00af9b00 DPL=0 CS64", head,
                     re.M), head
    assert re.search(r"^DR6=0{8}ffff0ff0 DR7=0{13}400$", head, re.M), head
    assert "FCW=" not in log            # only with -d fpu
    assert re.search(rf"^tcg: cpu 0 exec 0010:{entry:016x} ", log, re.M)
    assert log.count("tcg: cpu 0 exec") > 10
    assert log.count("\nRIP=") >= log.count("tcg: cpu 0 exec") - 1


def test_fpu_adds_x87_sse_registers(vireo, kernels):
    v, log = run_logged(vireo, kernels, "long64.elf", "cpu,fpu",
                        "-device", "pc-testdev")
    assert re.search(r"^FCW=037f FSW=0000 \[ST=0\] FTW=00 MXCSR=00001f80$",
                     log, re.M), log[:3000]
    assert re.search(r" XMM15=[0-9a-f]{16} [0-9a-f]{16}$", log, re.M)


def test_mmu_logs_tlb_fills(vireo, kernels):
    """long64.elf runs with paging on: its code page is filled first."""
    v, log = run_logged(vireo, kernels, "long64.elf", "mmu",
                        "-device", "pc-testdev")
    entry = elf_entry(kernels / "long64.elf")
    page = entry & ~0xFFF
    assert re.search(rf"^tcg: tlb 0: {page:016x} -> {page:x}\b", log,
                     re.M), log[:2000]


def test_unimp_logs_unassigned_port(vireo, kernels):
    """io.elf reads the unassigned port 0xec0 at widths 1, 2 and 4."""
    v, log = run_logged(vireo, kernels, "io.elf", "unimp",
                        "-device", "pc-testdev")
    for size in (1, 2, 4):
        assert re.search(rf"^unassigned I/O read 0xec0 size {size}\b", log,
                         re.M), log[:2000]
