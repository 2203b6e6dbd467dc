# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP human-monitor-command: `info registers` on test kernels stopped at a
known point (the ELF entry before the first instruction, a HLT while idle),
on TCG and on KVM, the other HMP commands (info status/cpus/version/kvm,
stop, cont, help, quit), and the monitor's error texts, as QEMU's."""
import json
import re
import shutil
import struct
import subprocess

import pytest

from vireo import DEBUG_EXIT


def elf_entry(path):
    """e_entry of an ELF32 or ELF64 image."""
    with open(path, "rb") as f:
        head = f.read(32)
    assert head[:4] == b"\x7fELF", path
    if head[4] == 2:
        return struct.unpack_from("<Q", head, 24)[0]
    return struct.unpack_from("<I", head, 24)[0]


def hmp(q, line, **kw):
    return q.ok("human-monitor-command", {"command-line": line, **kw})


def reg(dump, name):
    """The hex value printed as NAME=... in a register dump."""
    m = re.search(rf"(?:^|\s){re.escape(name)}=([0-9a-f]+)", dump)
    assert m, f"no {name} in:\n{dump}"
    return int(m.group(1), 16)


def start(vireo, kernels, kernel, *args, accel="tcg", smp=1, reboot=False):
    v = vireo(["-S", "-display", "none", *([] if reboot else ["-no-reboot"]),
               *DEBUG_EXIT,
               "-smp", str(smp), "-serial", "file:@DIR@/serial.txt",
               "-kernel", kernels / kernel, *args], qmp=True,
              accel=accel).launch()
    return v, v.qmp()


def check_long64_entry(dump, kernels):
    """long64.elf is entered in 64-bit mode at its ELF entry (README)."""
    assert dump.startswith("\nCPU#0\n"), dump
    assert reg(dump, "RIP") == elf_entry(kernels / "long64.elf")
    assert re.search(r"^R8 =[0-9a-f]{16} R9 =", dump, re.M), dump
    cs = re.search(r"^CS =([0-9a-f]{4}) ([0-9a-f]{16}) [0-9a-f]{8} "
                   r"([0-9a-f]{8}) DPL=0 CS64 \[.R.\]$", dump, re.M)
    assert cs, dump
    assert int(cs.group(3), 16) & (1 << 21), "CS.L"
    assert reg(dump, "EFER") & 0x500 == 0x500, "EFER.LME and LMA"
    assert reg(dump, "CR0") & 0x80000001 == 0x80000001, "PG and PE"
    assert " CPL=0 " in dump and "HLT=0" in dump


def test_registers_at_long64_entry_tcg(vireo, kernels):
    v, q = start(vireo, kernels, "long64.elf", "-device", "pc-testdev")
    dump = hmp(q, "info registers")
    check_long64_entry(dump, kernels)
    assert re.search(r" XMM15=[0-9a-f]{16} [0-9a-f]{16}$", dump, re.M), dump
    assert re.search(r"^FCW=037f FSW=0000 \[ST=0\] FTW=00 MXCSR=00001f80$",
                     dump, re.M), dump
    # One section per CPU that query-cpus-fast reports.
    cpus = q.ok("query-cpus-fast")
    assert re.findall(r"^CPU#(\d+)$", hmp(q, "info registers -a"), re.M) == \
        [str(c["cpu-index"]) for c in cpus]
    q.ok("cont")
    assert v.wait(30) == 33, v.describe()


@pytest.mark.kvm
def test_registers_at_long64_entry_kvm(vireo, kernels):
    v, q = start(vireo, kernels, "long64.elf", "-device", "pc-testdev",
                 accel="kvm")
    check_long64_entry(hmp(q, "info registers"), kernels)
    q.ok("cont")
    assert v.wait(30) == 33, v.describe()


def test_registers_of_halted_guest(vireo, kernels):
    """hello.elf's echo mode waits in `sti; hlt`: stopped there, EIP is
    just past a HLT byte in the kernel's 32-bit flat code segment."""
    v, q = start(vireo, kernels, "hello.elf", "-append", "echo")
    q.ok("cont")
    v.wait_output("> ", name="serial.txt")
    hmp(q, "stop")
    dump = hmp(q, "info registers")
    assert re.search(r"^EAX=[0-9a-f]{8} EBX=", dump, re.M), dump
    assert "RAX=" not in dump
    assert re.search(r"^CS =0008 00000000 ffffffff 00cf9b00 DPL=0 CS32 "
                     r"\[.R.\]$", dump, re.M), dump
    assert reg(dump, "CR0") & 1, "protected mode"
    assert "HLT=1" in dump, dump
    eip = reg(dump, "EIP")
    with open(kernels / "hello.elf", "rb") as f:
        image = f.read()
    # The kernel is linked at 1 MiB with its text at file offset 0x1000.
    entry = elf_entry(kernels / "hello.elf")
    assert entry <= eip < entry + len(image)
    assert image[0x1000 + (eip - 1 - 0x100000)] == 0xF4, hex(eip)


def test_registers_while_running(vireo, kernels):
    """The VM is held for the dump and goes on running afterwards."""
    v, q = start(vireo, kernels, "hello.elf", "-append", "echo")
    q.ok("cont")
    v.wait_output("> ", name="serial.txt")
    dump = hmp(q, "info registers")
    assert "EIP=" in dump and "CS =0008" in dump, dump
    assert hmp(q, "info status") == "VM status: running\n"
    assert q.ok("query-status")["running"] is True


def test_status_stop_cont(vireo, kernels):
    v, q = start(vireo, kernels, "hello.elf", "-append", "echo")
    assert hmp(q, "info status") == "VM status: paused (prelaunch)\n"
    assert hmp(q, "c") == ""
    q.wait_event("RESUME")
    assert hmp(q, "info status") == "VM status: running\n"
    assert hmp(q, "stop") == ""
    q.wait_event("STOP")
    assert hmp(q, "info status") == "VM status: paused\n"
    assert q.ok("query-status")["status"] == "paused"
    assert hmp(q, "  cont  ") == ""
    assert q.ok("query-status")["status"] == "running"


def test_cpu_index(vireo, kernels):
    v, q = start(vireo, kernels, "hello.elf", smp=2)
    cpus = hmp(q, "info cpus", **{"cpu-index": 1})
    threads = {c["cpu-index"]: c["thread-id"] for c in q.ok("query-cpus-fast")}
    assert cpus == (f"  CPU #0: thread_id={threads[0]}\n"
                    f"* CPU #1: thread_id={threads[1]}\n")
    assert hmp(q, "info cpus").startswith("* CPU #0")
    assert hmp(q, "info registers", **{"cpu-index": 1}).startswith("\nCPU#1\n")
    assert hmp(q, "info registers 1").startswith("\nCPU#1\n")
    assert hmp(q, "info registers 9") == "CPU#9 not available\n"
    for bad in (2, -1, 1 << 40):
        r = q.cmd("human-monitor-command",
                  {"command-line": "info cpus", "cpu-index": bad})
        assert r["error"] == {"class": "GenericError", "desc":
                              "Parameter 'cpu-index' expects a CPU number"}


def test_errors_are_text(vireo, kernels):
    v, q = start(vireo, kernels, "hello.elf")
    assert hmp(q, "bogus") == "unknown command: 'bogus'\n"
    assert hmp(q, "info bogus") == "unknown command: 'info bogus'\n"
    assert hmp(q, "") == ""
    assert hmp(q, "stop now") == ("stop|s: extraneous characters at the end "
                                  "of line\nTry \"help stop\" for more "
                                  "information\n")
    assert hmp(q, "info registers -x") == (
        "registers: unsupported option -x\n"
        "Try \"help info registers\" for more information\n")
    r = q.cmd("human-monitor-command", {})
    assert r["error"]["desc"] == "Parameter 'command-line' is missing"
    assert q.ok("query-status")["status"] == "prelaunch"


def test_info_and_help(vireo, kernels):
    v, q = start(vireo, kernels, "hello.elf")
    version = q.ok("query-version")
    t = version["qemu"]
    assert hmp(q, "info version") == \
        f"{t['major']}.{t['minor']}.{t['micro']}{version['package']}\n"
    kvm = q.ok("query-kvm")
    assert kvm["enabled"] is False
    expected = "disabled" if kvm["present"] else "not compiled"
    assert hmp(q, "info kvm") == f"kvm support: {expected}\n"
    listing = hmp(q, "help")
    for name in ("cont|c", "stop|s", "quit|q", "info", "system_reset",
                 "system_powerdown", "help|?"):
        assert re.search(rf"^{re.escape(name)} .* -- ", listing, re.M), listing
    info = hmp(q, "info")
    for sub in ("cpus", "kvm", "registers", "status", "version"):
        assert f"info {sub} " in info, info
    assert hmp(q, "help info status") == \
        "info status  -- the run state of the VM\n"
    assert hmp(q, "help nothing") == "unknown command: 'nothing'\n"


def test_system_reset_and_quit(vireo, kernels):
    v, q = start(vireo, kernels, "hello.elf", "-append", "echo", reboot=True)
    q.ok("cont")
    v.wait_output("> ", name="serial.txt")
    assert hmp(q, "system_reset") == ""
    ev = q.wait_event("RESET")
    assert ev["data"] == {"guest": False, "reason": "host-qmp-system-reset"}
    assert hmp(q, "info status") == "VM status: running\n"
    assert hmp(q, "q") == ""
    assert v.wait(10) == 0, v.describe()


@pytest.mark.skipif(not shutil.which("qemu-system-x86_64"),
                    reason="QEMU not installed")
def test_layout_matches_qemu(vireo, kernels):
    """At reset (real mode, both stopped before the first instruction) the
    dump has QEMU's lines and field widths. The DR lines are left out: the
    accelerators do not keep the debug registers in X86State."""
    def shape(text):
        lines = [ln for ln in text.splitlines() if not ln.startswith("DR")]
        return [re.sub(r"[0-9a-f]", "x", ln) for ln in lines]

    v = vireo(["-S", "-display", "none", "-bios", kernels / "realmode.bin"],
              qmp=True, accel="tcg").launch()
    ours = hmp(v.qmp(), "info registers")
    qemu = subprocess.run(
        ["qemu-system-x86_64", "-M", "pc", "-accel", "tcg", "-display", "none",
         "-S", "-qmp", "stdio"], capture_output=True, text=True, timeout=30,
        input='{"execute":"qmp_capabilities"}\n{"execute":"human-monitor-'
              'command","arguments":{"command-line":"info registers"}}\n'
              '{"execute":"quit"}\n')
    replies = [json.loads(ln) for ln in qemu.stdout.splitlines() if ln]
    theirs = next(r["return"] for r in replies
                  if isinstance(r.get("return"), str))
    assert shape(ours) == shape(theirs), f"ours:\n{ours}\nQEMU:\n{theirs}"


@pytest.mark.parametrize("jit", ["on", "off"])
def test_info_jit_counts_guest_instructions(vireo, kernels, jit):
    """info jit: TBs and, with the code generator, the guest instructions
    its code ran; hello.elf in echo mode has run when it shows its prompt."""
    v, q = start(vireo, kernels, "hello.elf", "-append", "echo",
                 accel=f"tcg,jit={jit}")
    assert "guest instructions  0 " in hmp(q, "info jit")
    q.ok("cont")
    v.wait_output("> ", name="serial.txt")
    info = hmp(q, "info jit")
    assert int(re.search(r"^TB count\s+(\d+)$", info, re.M).group(1)) > 0, info
    insns = int(re.search(r"^guest instructions\s+(\d+) ", info, re.M).group(1))
    assert f"code generator      {'on' if jit == 'on' else 'off'}" in info, info
    assert (insns > 1000) if jit == "on" else insns == 0, info
    q.ok("quit")


@pytest.mark.kvm
def test_info_jit_on_kvm(vireo, kernels):
    v, q = start(vireo, kernels, "hello.elf", accel="kvm")
    assert hmp(q, "info jit").strip() == \
        "JIT information is only available with accel=tcg"
    q.ok("quit")
