#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Vireo against QEMU, side by side, on the numbers Vireo sets goals for:
time from exec to a readable QMP greeting, idle memory (VmRSS), and time
from exec to exit for a small test kernel (on KVM); and on the software CPU
(-accel tcg) the Debian test guest's boot to power-off and its CPU workload
(guest.test=cpu, timed by the guest's own uptime stamps). Runs alternate
between the two programs; the table shows medians and the ratio vireo/qemu."""
import argparse
import fcntl
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOAL_GREETING_MS = 5.0
GOAL_RSS_MIB = 5.0
SETTLE_S = 0.2
TIMEOUT_S = 60.0
KVM_GET_API_VERSION = 0xAE00
GOAL_TCG_RATIO = 3.0        # vireo/qemu on both TCG rows
TCG_TIMEOUT_S = 900.0       # one TCG guest run, boot included
GROUPS = ("kvm", "tcg")     # row groups for --only/--skip
CPU_STEPS = ("sha256", "gzip", "bzip2")   # in /init's order


class Skip(Exception):
    """A measurement that cannot be taken here; the reason is printed."""


def kvm_reason():
    """None when /dev/kvm works, else why not."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"/dev/kvm: {e.strerror}"
    try:
        fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as e:
        return f"/dev/kvm: {e.strerror}"
    finally:
        os.close(fd)
    return None


def idle_argv(binary, accel, sock):
    argv = [binary, "-M", "pc", "-m", "512", "-S", "-nodefaults",
            "-display", "none", "-qmp", f"unix:{sock},server=on,wait=off"]
    return argv + (["-accel", accel] if accel else [])


def read_greeting(proc, sock_path, deadline):
    """Connects as soon as the socket accepts and reads the greeting line;
    returns the connected socket."""
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(sock_path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if proc.poll() is not None:
                raise Skip(f"exited with status {proc.returncode} before "
                           "its QMP socket listened")
            if time.perf_counter() > deadline:
                raise Skip("QMP socket never listened")
    s.settimeout(max(0.1, deadline - time.perf_counter()))
    data = b""
    while b"\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise Skip("QMP closed before its greeting")
        data += chunk
    if b'"QMP"' not in data:
        raise Skip(f"not a QMP greeting: {data[:80]!r}")
    return s


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Skip("no VmRSS in /proc/PID/status")


def quit_vm(proc, s):
    """Asks for quit over QMP, kills if that does not end it."""
    try:
        s.sendall(b'{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n')
        proc.wait(5)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
    finally:
        s.close()


def measure_idle(binary, accel, workdir):
    """(ms from exec to greeting, idle RSS in MiB) for one run."""
    sock = os.path.join(workdir, "qmp.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    with open(os.path.join(workdir, "stderr"), "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(idle_argv(binary, accel, sock),
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            s = read_greeting(proc, sock, start + TIMEOUT_S)
        except Skip as e:
            proc.kill()
            proc.wait()
            raise Skip(f"{e}: {last_line(workdir)}")
        greeting_ms = (time.perf_counter() - start) * 1000
        time.sleep(SETTLE_S)
        rss = rss_kib(proc.pid) / 1024
        quit_vm(proc, s)
    return greeting_ms, rss


def measure_kernel(binary, accel, kernel, workdir):
    """ms from exec to exit of a test kernel that passes (status 33)."""
    argv = [binary, "-M", "pc", "-m", "512", "-nographic", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-kernel", str(kernel), "-accel", accel]
    with open(os.path.join(workdir, "stderr"), "wb") as err:
        start = time.perf_counter()
        try:
            r = subprocess.run(argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=err,
                               timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise Skip(f"no exit in {TIMEOUT_S:.0f} s")
        ms = (time.perf_counter() - start) * 1000
    if r.returncode != 33:
        raise Skip(f"exit status {r.returncode}, not 33: "
                   f"{last_line(workdir)}")
    return ms


def last_line(workdir):
    try:
        with open(os.path.join(workdir, "stderr"), errors="replace") as f:
            lines = f.read().strip().splitlines()
        return lines[-1] if lines else "(no message)"
    except OSError:
        return "(no message)"


def guest_argv(binary, guest, words):
    """The same command line for both programs: the test guest on TCG."""
    return [binary, "-accel", "tcg", "-M", "pc", "-m", "512", "-smp", "1",
            "-nographic", "-no-reboot",
            "-kernel", str(guest / "vmlinuz"),
            "-initrd", str(guest / "initrd.cpio.gz"),
            "-append", f"console=ttyS0 quiet {words}"]


def run_guest(binary, guest, words, workdir):
    """Runs the test guest to its exit; (wall seconds, serial output)."""
    with open(os.path.join(workdir, "stderr"), "wb") as err:
        start = time.perf_counter()
        try:
            r = subprocess.run(guest_argv(binary, guest, words),
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=err,
                               timeout=TCG_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise Skip(f"no exit in {TCG_TIMEOUT_S:.0f} s")
        wall = time.perf_counter() - start
    out = r.stdout.decode(errors="replace").replace("\r\n", "\n")
    if r.returncode != 0 or "VIREO-GUEST-READY" not in out:
        tail = out.strip().splitlines()[-1:] or ["(no serial output)"]
        raise Skip(f"exit status {r.returncode}, serial ends "
                   f"{tail[0]!r}: {last_line(workdir)}")
    return wall, out


def measure_guest_boot(binary, guest, workdir):
    """ms from exec to exit of the guest with guest.test=poweroff."""
    wall, _ = run_guest(binary, guest, "guest.test=poweroff", workdir)
    return wall * 1000


def parse_cpu_run(out):
    """{"total": s, step: s, ...} from the cpu-stamp lines (guest uptime)
    and {step: hash} from the result lines."""
    stamps = re.findall(r"^cpu-stamp: (\w+) ([0-9.]+)$", out, re.M)
    hashes = dict(re.findall(r"^(\w+): ([0-9a-f]{64})$", out, re.M))
    names = [n for n, _ in stamps]
    if names[:1] != ["start"] or len(names) < 2:
        raise Skip("no cpu-stamp lines from the guest")
    times = {"total": float(stamps[-1][1]) - float(stamps[0][1])}
    for (_, t0), (name, t1) in zip(stamps, stamps[1:]):
        times[name] = float(t1) - float(t0)
    missing = [n for n in names[1:] if n not in hashes]
    if missing:
        raise Skip(f"no result line for {', '.join(missing)}")
    return times, {n: hashes[n] for n in names[1:]}


def measure_cpu(binary, guest, words, workdir):
    """One run of the CPU workload: (seconds per step and total, hashes,
    wall seconds of the whole run)."""
    wall, out = run_guest(binary, guest, words, workdir)
    return (*parse_cpu_run(out), wall)


def host_cpu_hashes(busybox, mb, n):
    """The workload's hashes computed on the host with the guest's own busybox
    binary (same tools, same bytes), or None if it is not there."""
    if not os.access(busybox, os.X_OK):
        return None
    pipes = {"sha256": f"$BB dd if=/dev/zero bs=1M count={mb} 2>/dev/null",
             "gzip": f"$BB seq 1 {n} | $BB gzip -9",
             "bzip2": f"$BB seq 1 {n // 10} | $BB bzip2 -9"}
    hashes = {}
    for step, pipe in pipes.items():
        r = subprocess.run([str(busybox), "sh", "-c",
                            pipe + " | $BB sha256sum"],
                           env={"BB": str(busybox)}, capture_output=True,
                           text=True, timeout=TIMEOUT_S)
        if r.returncode != 0:
            return None
        hashes[step] = r.stdout.split()[0]
    return hashes


def qmp_command(s, f, name, **args):
    """One QMP command on a connected socket (s) and its reader (f); the
    reply's "return" (events before it are skipped)."""
    msg = {"execute": name, **({"arguments": args} if args else {})}
    s.sendall(json.dumps(msg).encode() + b"\n")
    while True:
        line = f.readline()
        if not line:
            raise Skip(f"QMP closed during {name}")
        r = json.loads(line)
        if "error" in r:
            raise Skip(f"{name}: {r['error'].get('desc')}")
        if "return" in r:
            return r["return"]


def vireo_guest_mips(binary, guest, words, workdir):
    """Guest MIPS of one Vireo run of the workload (boot included): the
    guest instructions its code generator ran (HMP info jit, read once the
    guest has powered off under -no-shutdown) over the wall time to the
    power-off. QEMU has no such counter, so this row is Vireo's only."""
    sock = os.path.join(workdir, "mips.sock")
    argv = [a for a in guest_argv(binary, guest, words) if a != "-nographic"]
    argv += ["-display", "none", "-no-shutdown",
             "-serial", "file:" + os.path.join(workdir, "mips-serial"),
             "-qmp", f"unix:{sock},server=on,wait=off"]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s = read_greeting(proc, sock, start + 10)
    s.settimeout(TCG_TIMEOUT_S)
    try:
        f = s.makefile("r")
        qmp_command(s, f, "qmp_capabilities")
        while qmp_command(s, f, "query-status")["status"] != "shutdown":
            if time.perf_counter() - start > TCG_TIMEOUT_S:
                raise Skip(f"no power-off in {TCG_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        wall = time.perf_counter() - start
        info = qmp_command(s, f, "human-monitor-command",
                           **{"command-line": "info jit"})
    finally:
        quit_vm(proc, s)
    m = re.search(r"^guest instructions\s+(\d+)", info, re.M)
    if not m:
        raise Skip("no instruction count in info jit")
    return int(m.group(1)) / wall / 1e6


class Row:
    """One metric: samples per program, or why a program has none."""

    def __init__(self, name, unit):
        self.name, self.unit = name, unit
        self.samples = {"vireo": [], "qemu": []}
        self.skipped = {}
        self.failed = {}    # measured, but a result was wrong: prog -> why

    def add(self, prog, fn):
        if prog in self.skipped:
            return
        try:
            self.samples[prog].append(fn())
        except Skip as e:
            self.skipped[prog] = str(e)

    def median(self, prog):
        s = self.samples[prog]
        return statistics.median(s) if s and prog not in self.skipped \
            else None

    def ratio(self):
        v, q = self.median("vireo"), self.median("qemu")
        return v / q if v is not None and q else None

    def as_dict(self):
        d = {"unit": self.unit, "ratio": self.ratio()}
        for prog in self.samples:
            d[prog] = {"median": self.median(prog),
                       "samples": self.samples[prog],
                       "skipped": self.skipped.get(prog),
                       "failed": self.failed.get(prog)}
        return d


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:.{digits}f}"


def print_table(rows, out=sys.stdout):
    w = max(len(f"{r.name} ({r.unit})") for r in rows) + 2
    out.write(f"{'median of runs':<{w}}{'vireo':>10}{'qemu':>10}"
              f"{'vireo/qemu':>12}\n")
    for r in rows:
        label = f"{r.name} ({r.unit})"
        mark = "  FAILED" if r.failed else ""
        out.write(f"{label:<{w}}{fmt(r.median('vireo')):>10}"
                  f"{fmt(r.median('qemu')):>10}{fmt(r.ratio(), 3):>12}"
                  f"{mark}\n")
    for r in rows:
        for prog, why in sorted(r.skipped.items()):
            out.write(f"  skipped {prog} for {r.name.strip()}: {why}\n")
        for prog, why in sorted(r.failed.items()):
            out.write(f"  FAILED {prog} for {r.name.strip()}: {why}\n")


def verdict(greeting, rss):
    parts, ok = [], True
    for row, goal, unit, word in ((greeting, GOAL_GREETING_MS, "ms", "<="),
                                  (rss, GOAL_RSS_MIB, "MiB", "<")):
        m = row.median("vireo")
        if m is None:
            parts.append(f"{row.name}: not measured")
            ok = False
            continue
        met = m <= goal if word == "<=" else m < goal
        ok = ok and met
        parts.append(f"{row.name} {m:.1f} {unit} {word} {goal:g} {unit}: "
                     f"{'met' if met else 'MISSED'}")
    return ok, ("verdict: " + "; ".join(parts) +
                (" -> goals met" if ok else " -> goals not met"))


def tcg_verdict(rows):
    """The goal for the software CPU: vireo/qemu <= GOAL_TCG_RATIO."""
    parts, ok = [], True
    for row in rows:
        r = row.ratio()
        met = r is not None and r <= GOAL_TCG_RATIO and not row.failed
        ok = ok and met
        parts.append(f"{row.name} " + ("not measured" if r is None else
                     f"x{r:.2f}" + (" (wrong results)" if row.failed
                                    else "")) +
                     f": {'met' if met else 'MISSED'}")
    return ok, (f"tcg goal (vireo/qemu <= {GOAL_TCG_RATIO:g}): " +
                "; ".join(parts) + (" -> met" if ok else " -> not met"))


class TcgRows:
    """The software-CPU rows: guest boot to power-off, and the CPU workload
    (total from the first to the last stamp, and each step)."""

    def __init__(self, args):
        self.guest = Path(args.guest)
        self.words = (f"guest.test=cpu guest.mb={args.tcg_mb} "
                      f"guest.n={args.tcg_n}")
        self.boot = Row("tcg guest boot to power-off", "ms")
        self.cpu = Row(f"tcg cpu workload (mb={args.tcg_mb} n={args.tcg_n})",
                       "s")
        self.steps = {n: Row(f"  tcg cpu step {n}", "s") for n in CPU_STEPS}
        self.hashes = {"vireo": [], "qemu": []}
        self.mips = []
        self.mips_skipped = None
        self.expected = host_cpu_hashes(self.guest / "busybox", args.tcg_mb,
                                        args.tcg_n)

    def rows(self):
        return [self.boot, self.cpu, *self.steps.values()]

    def skip_all(self, prog, why):
        for r in self.rows():
            r.skipped.setdefault(prog, why)

    def check_guest(self, programs):
        if not (self.guest / "vmlinuz").exists():
            for prog in programs:
                self.skip_all(prog, f"no {self.guest}/vmlinuz "
                                    "(make guest)")

    def run_once(self, prog, path, workdir):
        self.boot.add(prog, lambda: measure_guest_boot(path, self.guest,
                                                       workdir))
        run = []

        def total():
            run.extend(measure_cpu(path, self.guest, self.words, workdir))
            return run[0]["total"]
        self.cpu.add(prog, total)
        if not run:
            for r in self.steps.values():
                r.skipped.setdefault(prog, self.cpu.skipped.get(prog, "?"))
            return
        times, hashes, wall = run
        for name, r in self.steps.items():
            if name in times:
                r.add(prog, lambda: times[name])
        self.hashes[prog].append(hashes)

    def measure_mips(self, path, workdir):
        """One more Vireo run, counting guest instructions."""
        try:
            self.mips.append(vireo_guest_mips(path, self.guest, self.words,
                                              workdir))
        except Skip as e:
            self.mips_skipped = str(e)

    def check_hashes(self):
        """Every run's results must equal the host's (or, without the
        guest's busybox on the host, QEMU's first run)."""
        ref, ref_name = self.expected, "host busybox"
        if ref is None and self.hashes["qemu"]:
            ref, ref_name = self.hashes["qemu"][0], "qemu"
        if ref is None:
            return (f"results not checked: no {self.guest / 'busybox'} "
                    "and no qemu run")
        for prog, runs in self.hashes.items():
            bad = sorted({n for h in runs for n in h if h[n] != ref.get(n)})
            for n in bad:
                why = f"{n} hash differs from {ref_name}'s"
                self.cpu.failed[prog] = why
                self.steps[n].failed[prog] = why
        return f"results checked against {ref_name}"


def select_groups(args):
    groups = set(args.only or GROUPS) - set(args.skip or ())
    if not groups:
        sys.exit("bench: --only/--skip left no rows to run")
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vireo", default=str(REPO / "build" /
                                           "vireo-system-x86_64"))
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--kernel", default=str(REPO / "tests" / "kernels" /
                                            "build" / "hello.elf"))
    ap.add_argument("--guest", default=str(REPO / "build" / "guest"),
                    help="the test guest (tests/guest/build.sh)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--tcg-runs", type=int, default=3,
                    help="runs of the (slow) TCG rows")
    ap.add_argument("--tcg-mb", type=int, default=16,
                    help="guest.mb of the TCG CPU workload")
    ap.add_argument("--tcg-n", type=int, default=2000000,
                    help="guest.n of the TCG CPU workload")
    ap.add_argument("--only", action="append", choices=GROUPS,
                    help="run only this group of rows (repeatable)")
    ap.add_argument("--skip", action="append", choices=GROUPS,
                    help="leave this group of rows out (repeatable)")
    ap.add_argument("--json", metavar="FILE", help="also write results here")
    args = ap.parse_args()
    if args.runs < 1 or args.tcg_runs < 1:
        ap.error("--runs and --tcg-runs must be at least 1")
    if args.tcg_mb < 0 or args.tcg_n < 0:
        ap.error("--tcg-mb and --tcg-n must not be negative")
    groups = select_groups(args)

    programs = {}
    vireo = shutil.which(args.vireo) or (args.vireo if os.access(
        args.vireo, os.X_OK) else None)
    qemu = shutil.which(args.qemu)
    greeting = Row("exec to QMP greeting", "ms")
    rss = Row("idle RSS", "MiB")
    boot = Row("hello.elf exec to exit", "ms")
    tcg = TcgRows(args)
    rows = ([greeting, rss, boot] if "kvm" in groups else []) + \
        (tcg.rows() if "tcg" in groups else [])
    for prog, path in (("vireo", vireo), ("qemu", qemu)):
        if path:
            programs[prog] = path
        else:
            for r in rows:
                r.skipped[prog] = f"{prog} not found ({getattr(args, prog)})"

    no_kvm = kvm_reason()
    accel = None if no_kvm else "kvm"
    print(f"bench: groups {', '.join(sorted(groups))}; kvm rows "
          f"{args.runs} runs, tcg rows {args.tcg_runs} runs, alternating; "
          f"accel: {accel or 'default (no KVM: ' + no_kvm + ')'}")
    for prog, path in programs.items():
        print(f"  {prog}: {path}")
    if no_kvm:
        for prog in programs:
            boot.skipped[prog] = f"needs KVM ({no_kvm})"
    if not os.path.exists(args.kernel):
        for prog in programs:
            boot.skipped.setdefault(prog, f"no {args.kernel} "
                                          "(make -C tests/kernels)")
    tcg.check_guest(programs)

    workdir = tempfile.mkdtemp(prefix="vbench", dir="/tmp")
    try:
        for _ in range(args.runs if "kvm" in groups else 0):
            for prog, path in programs.items():
                pair = []

                def idle():
                    if not pair:
                        pair.extend(measure_idle(path, accel, workdir))
                    return pair[0]
                greeting.add(prog, idle)
                if prog in greeting.skipped:
                    rss.skipped.setdefault(prog, greeting.skipped[prog])
                else:
                    rss.add(prog, lambda: pair[1])
                boot.add(prog, lambda: measure_kernel(path, accel or "kvm",
                                                      args.kernel, workdir))
        for _ in range(args.tcg_runs if "tcg" in groups else 0):
            for prog, path in programs.items():
                tcg.run_once(prog, path, workdir)
        if "tcg" in groups and "vireo" in programs and not tcg.cpu.skipped:
            tcg.measure_mips(programs["vireo"], workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    checked = tcg.check_hashes() if "tcg" in groups else None
    print_table(rows)
    ok = tcg_ok = None
    if "kvm" in groups:
        ok, line = verdict(greeting, rss)
        print(line)
    if "tcg" in groups:
        print(f"tcg: {checked}; cpu workload times are guest uptime from "
              "the first to the last cpu-stamp")
        if tcg.mips:
            print(f"tcg: vireo guest MIPS over one whole cpu run (boot "
                  f"included; instructions its code generator ran): "
                  f"{statistics.median(tcg.mips):.0f}")
        elif tcg.mips_skipped:
            print(f"tcg: vireo guest MIPS not measured: {tcg.mips_skipped}")
        tcg_ok, line = tcg_verdict([tcg.boot, tcg.cpu])
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "tcg_runs": args.tcg_runs,
                       "groups": sorted(groups), "accel": accel,
                       "goals": {"greeting_ms": GOAL_GREETING_MS,
                                 "rss_mib": GOAL_RSS_MIB,
                                 "tcg_ratio": GOAL_TCG_RATIO},
                       "programs": programs,
                       "rows": {r.name.strip(): r.as_dict() for r in rows},
                       "goals_met": ok, "tcg_goal_met": tcg_ok,
                       "tcg_results": checked,
                       "tcg_vireo_mips": tcg.mips or None}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
