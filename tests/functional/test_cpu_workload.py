# SPDX-License-Identifier: GPL-2.0-or-later
"""The test guest's CPU workload (guest.test=cpu: sha256, gzip -9, bzip2 -9)
on the software CPU, checked against the same busybox pipelines run on the
host: any wrong result of an emulated instruction shows as a hash mismatch."""
import re
import subprocess

import pytest

MB = 2          # MiB of zeros for sha256
N = 200000      # numbers for gzip; bzip2 gets N // 10 (as /init does)
TIMEOUT = 100   # seconds; a run takes ~10-15 s here

# step name -> shell pipeline on the host; BB is the busybox binary, used for
# every tool so that the bytes are the guest's.
HOST_PIPELINES = {
    "sha256": "$BB dd if=/dev/zero bs=1M count={mb} 2>/dev/null",
    "gzip": "$BB seq 1 {n} | $BB gzip -9",
    "bzip2": "$BB seq 1 {n10} | $BB bzip2 -9",
}


@pytest.fixture(scope="module")
def busybox(guest):
    path = guest / "busybox"
    if not path.exists():
        pytest.skip(f"no {path}: rebuild the guest (tests/guest/build.sh)")
    return path


@pytest.fixture(scope="module")
def expected(busybox):
    """step -> sha256 hex of the host run of that step."""
    out = {}
    for step, pipe in HOST_PIPELINES.items():
        cmd = pipe.format(mb=MB, n=N, n10=N // 10) + " | $BB sha256sum"
        r = subprocess.run([busybox, "sh", "-c", cmd], env={"BB": busybox},
                           capture_output=True, text=True, timeout=60,
                           check=True)
        out[step] = r.stdout.split()[0]
        assert re.fullmatch(r"[0-9a-f]{64}", out[step]), r.stdout
    return out


def guest_results(serial):
    """step -> hash as the guest printed it ("sha256: HEX" lines)."""
    return dict(re.findall(r"^(sha256|gzip|bzip2): ([0-9a-f]{64})$", serial,
                           re.M))


@pytest.mark.parametrize("smp", [1, 2])
def test_cpu_workload_matches_host(vireo, guest, expected, smp):
    v = vireo(["-m", "512", "-smp", str(smp), "-nographic", "-no-reboot",
               "-kernel", guest / "vmlinuz",
               "-initrd", guest / "initrd.cpio.gz",
               "-append", f"console=ttyS0 quiet guest.test=cpu guest.mb={MB} "
                          f"guest.n={N}"], accel="tcg")
    v.run(TIMEOUT)
    out = v.serial()
    assert "cpu-stamp: start " in out, v.describe()
    assert guest_results(out) == expected, v.describe()
    assert "reboot: Power down" in out, v.describe()
    assert v.proc.returncode == 0, v.describe()
