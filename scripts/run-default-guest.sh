#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots the default guest on this terminal, on the best accelerator here.
# KVM is used where it is backed by VT-x/AMD-V; software-only KVM (kvm_pvm)
# runs test kernels but not stock Linux.
set -e
vireo=${1:-build/vireo-system-x86_64}
hw=no
grep -qwE 'vmx|svm' /proc/cpuinfo && hw=yes
pvm=no
[ -d /sys/module/kvm_pvm ] && pvm=yes
accel=kvm
if [ -w /dev/kvm ] && [ "$hw" = yes ] && [ "$pvm" = no ]; then
    why="hardware virtualization (VT-x/AMD-V) is available"
elif [ -w /dev/kvm ]; then
    why="/dev/kvm is software-only (no VT-x/AMD-V): fine for test kernels"
else
    accel=tcg
    why="no usable /dev/kvm: the software CPU"
fi
# Until the software CPU boots Linux to a shell, the default guest is the
# project's echo kernel: it greets, then echoes what you type (type quit,
# or Ctrl-A x).
echo "make run: accelerator $accel ($why)"
echo "make run: guest tests/kernels/build/hello.elf; Ctrl-A x quits, Ctrl-A h helps"
status=0
"$vireo" -M pc -accel "$accel" -m 128 -nographic -no-reboot \
    -kernel tests/kernels/build/hello.elf -append echo \
    -device isa-debug-exit,iobase=0xf4,iosize=4 || status=$?
# The test kernels say "passed" through isa-debug-exit as status 33.
[ "$status" -eq 33 ] && status=0
exit "$status"
