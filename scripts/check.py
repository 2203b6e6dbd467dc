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
counts = {k: int(v) for k, v in re.findall(r"^(Ok|Fail|Skipped|Timeout|Expected Fail|Unexpected Pass):\s+(\d+)", r.stdout, re.M)}
passed += counts.get("Ok", 0)
failed += counts.get("Fail", 0) + counts.get("Timeout", 0) + counts.get("Unexpected Pass", 0)
skipped += counts.get("Skipped", 0)
if r.returncode and not counts.get("Fail") and not counts.get("Timeout"):
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
