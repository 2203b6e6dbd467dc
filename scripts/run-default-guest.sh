#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots the Debian test guest to a shell on this terminal, on KVM where it
# is backed by VT-x/AMD-V and on the software CPU (TCG) otherwise: a
# software-only /dev/kvm (kvm_pvm) runs test kernels but not stock Linux.
set -e
vireo=${1:-build/vireo-system-x86_64}
guest=${2:-build/guest}
hw=no
grep -qwE 'vmx|svm' /proc/cpuinfo && hw=yes
pvm=no
[ -d /sys/module/kvm_pvm ] && pvm=yes
if [ -w /dev/kvm ] && [ "$hw" = yes ] && [ "$pvm" = no ]; then
    accel=kvm
    why="/dev/kvm is backed by hardware virtualization (VT-x/AMD-V)"
elif [ -w /dev/kvm ]; then
    accel=tcg
    why="/dev/kvm here is software-only (no VT-x/AMD-V) and cannot run stock Linux"
else
    accel=tcg
    why="no usable /dev/kvm"
fi
echo "make run: accelerator $accel ($why)"
echo "make run: Debian test guest; 'exit' or Ctrl-A x ends it, Ctrl-A h helps"
exec "$vireo" -M pc -accel "$accel" -m 512 -nographic -no-reboot \
    -kernel "$guest/vmlinuz" -initrd "$guest/initrd.cpio.gz" \
    -append "console=ttyS0 quiet guest.shell"
