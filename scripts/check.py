#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs every test (GTest unit tests through meson, functional tests through
pytest) and ends with one line: "N passed, N failed, N skipped"."""
import os
import re
import subprocess
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
passed = failed = skipped = 0

print("== unit tests (meson test)", flush=True)
r = subprocess.run(["meson", "test", "-C", build, "--print-errorlogs"],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
sys.stdout.write(r.stdout)
# Count GTest cases, not programs: "N/M name  OK  0.1s  15 subtests passed".
for status, sub in re.findall(r"^\s*\d+/\d+ .+?\s+(OK|FAIL|SKIP|TIMEOUT|ERROR|EXPECTEDFAIL|UNEXPECTEDPASS)\s+[\d.]+s(?:\s+(\d+) subtests passed)?", r.stdout, re.M):
    if status == "OK":
        passed += int(sub or 1)
    elif status == "SKIP":
        skipped += 1
    elif status != "EXPECTEDFAIL":
        failed += 1
if r.returncode and not failed:
    failed += 1     # meson itself failed

print("== functional tests (pytest)", flush=True)
env = dict(os.environ, VIREO_BUILD=os.path.abspath(build))
r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "tests/functional"],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
sys.stdout.write(r.stdout)
tail = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
for n, what in re.findall(r"(\d+) (passed|failed|skipped|error|errors)", tail):
    if what == "passed":
        passed += int(n)
    elif what == "skipped":
        skipped += int(n)
    else:
        failed += int(n)
if r.returncode not in (0, 5) and "failed" not in tail and "error" not in tail:
    failed += 1     # pytest itself failed

print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
