#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what Vireo needs to build, test and benchmark on Debian 12.
# Idempotent and quiet when everything is present.
set -e
PKGS="meson ninja-build pkg-config gcc make libglib2.0-dev libjson-glib-dev
libcapstone-dev libpixman-1-dev libslirp-dev libseccomp-dev liburing-dev
python3 python3-pytest socat cpio xz-utils zstd gzip busybox-static
qemu-system-x86 seabios"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
