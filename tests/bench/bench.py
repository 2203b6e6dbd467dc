#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Vireo against QEMU, side by side, on the numbers Vireo sets goals for:
time from exec to a readable QMP greeting, idle memory (VmRSS), and time
from exec to exit for a small test kernel. Runs alternate between the two
programs; the table shows medians and the ratio vireo/qemu."""
import argparse
import fcntl
import json
import os
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


class Row:
    """One metric: samples per program, or why a program has none."""

    def __init__(self, name, unit):
        self.name, self.unit = name, unit
        self.samples = {"vireo": [], "qemu": []}
        self.skipped = {}

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
                       "skipped": self.skipped.get(prog)}
        return d


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:.{digits}f}"


def print_table(rows, out=sys.stdout):
    w = max(len(f"{r.name} ({r.unit})") for r in rows) + 2
    out.write(f"{'median of runs':<{w}}{'vireo':>10}{'qemu':>10}"
              f"{'vireo/qemu':>12}\n")
    for r in rows:
        label = f"{r.name} ({r.unit})"
        out.write(f"{label:<{w}}{fmt(r.median('vireo')):>10}"
                  f"{fmt(r.median('qemu')):>10}{fmt(r.ratio(), 3):>12}\n")
    for r in rows:
        for prog, why in sorted(r.skipped.items()):
            out.write(f"  skipped {prog} for {r.name}: {why}\n")


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


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vireo", default=str(REPO / "build" /
                                           "vireo-system-x86_64"))
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--kernel", default=str(REPO / "tests" / "kernels" /
                                            "build" / "hello.elf"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", metavar="FILE", help="also write results here")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    programs = {}
    vireo = shutil.which(args.vireo) or (args.vireo if os.access(
        args.vireo, os.X_OK) else None)
    qemu = shutil.which(args.qemu)
    greeting = Row("exec to QMP greeting", "ms")
    rss = Row("idle RSS", "MiB")
    boot = Row("hello.elf exec to exit", "ms")
    rows = [greeting, rss, boot]
    for prog, path in (("vireo", vireo), ("qemu", qemu)):
        if path:
            programs[prog] = path
        else:
            for r in rows:
                r.skipped[prog] = f"{prog} not found ({getattr(args, prog)})"

    no_kvm = kvm_reason()
    accel = None if no_kvm else "kvm"
    print(f"bench: {args.runs} runs each, alternating; accel: "
          f"{accel or 'default (no KVM: ' + no_kvm + ')'}")
    for prog, path in programs.items():
        print(f"  {prog}: {path}")
    if no_kvm:
        for prog in programs:
            boot.skipped[prog] = f"needs KVM ({no_kvm})"
    if not os.path.exists(args.kernel):
        for prog in programs:
            boot.skipped.setdefault(prog, f"no {args.kernel} "
                                          "(make -C tests/kernels)")

    workdir = tempfile.mkdtemp(prefix="vbench", dir="/tmp")
    try:
        for _ in range(args.runs):
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
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print_table(rows)
    ok, line = verdict(greeting, rss)
    print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "accel": accel,
                       "goals": {"greeting_ms": GOAL_GREETING_MS,
                                 "rss_mib": GOAL_RSS_MIB},
                       "programs": programs,
                       "rows": {r.name: r.as_dict() for r in rows},
                       "goals_met": ok}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
