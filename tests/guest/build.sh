#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds Vireo's test guest (Debian cloud kernel + busybox initramfs) from
# Debian 12 packages.  Usage: tests/guest/build.sh [OUTDIR]  (default build/guest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/guest}
debs=$out/debs
init=$here/init
outputs=(vmlinuz initrd.cpio.gz kernel-version busybox)

# Modules the guest loads; their dependencies come along per modules.dep.
modules=(virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev
	virtio_blk virtio_net net_failover failover virtio_console virtio_rng
	button evdev)

say() { echo "guest: $*"; }
die() { echo "guest: error: $*" >&2; exit 1; }

# Nothing to do when every output is newer than this script, /init and the debs.
up_to_date() {
	local o d
	compgen -G "$debs/*.deb" >/dev/null || return 1
	for o in "${outputs[@]}"; do
		[[ -f $out/$o ]] || return 1
		for d in "${BASH_SOURCE[0]}" "$init" "$debs"/*.deb; do
			[[ $out/$o -nt $d ]] || return 1
		done
	done
}
up_to_date && exit 0

export DEBIAN_FRONTEND=noninteractive
apt_q=(-qq -o APT::Sandbox::User=root)
candidate() { apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }'; }

v=$(candidate linux-image-cloud-amd64)
if [[ -z $v || $v == "(none)" ]]; then
	say "apt-get update"
	apt-get "${apt_q[@]}" update
fi

missing=()
command -v dpkg >/dev/null || die "dpkg not found (this needs a Debian host)"
command -v cpio >/dev/null || missing+=(cpio)
command -v xz >/dev/null || missing+=(xz-utils)
command -v zstd >/dev/null || missing+=(zstd)
command -v gzip >/dev/null || missing+=(gzip)
if ((${#missing[@]})); then
	say "installing ${missing[*]}"
	apt-get "${apt_q[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

# fetch PKG: make sure the candidate .deb of PKG is in $debs; sets $deb to it.
fetch() {
	local pkg=$1 ver
	ver=$(candidate "$pkg")
	[[ -n $ver && $ver != "(none)" ]] || die "no candidate for $pkg"
	deb=$(compgen -G "$debs/${pkg}_${ver/:/%3a}_*.deb" | head -n1 || true)
	if [[ -z $deb ]]; then
		say "downloading $pkg $ver"
		rm -f "$debs/${pkg}_"*.deb
		(cd "$debs" && apt-get "${apt_q[@]}" download "$pkg=$ver")
		deb=$(compgen -G "$debs/${pkg}_${ver/:/%3a}_*.deb" | head -n1) || die "download of $pkg failed"
	fi
}

kpkg=$(apt-cache depends linux-image-cloud-amd64 |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }')
[[ -n $kpkg ]] || die "cannot resolve the package behind linux-image-cloud-amd64"
kver=${kpkg#linux-image-}

mkdir -p "$debs"
fetch "$kpkg"; kdeb=$deb
fetch busybox-static; bdeb=$deb

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say "unpacking $kpkg and busybox-static"
dpkg -x "$kdeb" "$tmp/k"
dpkg -x "$bdeb" "$tmp/bb"
kmods=$tmp/k/lib/modules/$kver
bb=$tmp/bb/bin/busybox
[[ -f $tmp/k/boot/vmlinuz-$kver && -d $kmods && -x $bb ]] || die "unexpected package contents"

# Plain .ko files throughout, then busybox's depmod (run on the host) for modules.dep.
find "$kmods" -name '*.ko.xz' -exec xz -dq {} +
find "$kmods" -name '*.ko.zst' -exec zstd -dq --rm {} +
find "$kmods" -name '*.ko.gz' -exec gzip -dq {} +
"$bb" depmod -b "$tmp/k" "$kver"

# modules.dep lines are "path: every dependency"; names use _ where files may use -.
needed=$(awk -v want="${modules[*]}" '
	BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
	{ p = $1; sub(/:$/, "", p); m = p; sub(/.*\//, "", m); sub(/\.ko$/, "", m); gsub(/-/, "_", m) }
	m in keep { found[m] = 1; for (i = 1; i <= NF; i++) { sub(/:$/, "", $i); print $i } }
	END { for (m in keep) if (!(m in found)) print "missing:" m }' "$kmods/modules.dep" | sort -u)

root=$tmp/root
mkdir -p "$root"/{bin,dev,etc,proc,root,sys,tmp} "$root/lib/modules/$kver"
: >"$root/etc/guest-modules"
for m in "${modules[@]}"; do
	if grep -qx "missing:$m" <<<"$needed"; then
		grep -q "/${m//_/[_-]}\.ko$" "$kmods/modules.builtin" || die "module $m not in $kpkg"
	else
		echo "$m" >>"$root/etc/guest-modules"
	fi
done
say "collecting $(grep -vc '^missing:' <<<"$needed") modules for $kver"
grep -v '^missing:' <<<"$needed" | while read -r p; do
	install -D -m 0644 "$kmods/$p" "$root/lib/modules/$kver/$p"
done
cp "$kmods/modules.builtin" "$root/lib/modules/$kver/"
"$bb" depmod -b "$root" "$kver"

install -m 0755 "$bb" "$root/bin/busybox"
"$bb" --list | while read -r a; do
	[[ $a == busybox ]] || ln -s busybox "$root/bin/$a"
done
install -m 0755 "$init" "$root/init"
mknod "$root/dev/console" c 5 1 2>/dev/null || true	# needs root; /init copes without

say "writing $out/initrd.cpio.gz"
find "$root" -exec touch -h -d @0 {} +	# same inputs, same bytes
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio -o -0 -H newc --owner=0:0 --reproducible --quiet) | gzip -9 -n >"$tmp/initrd.cpio.gz"
echo "$kver" >"$tmp/kernel-version"
cp "$tmp/k/boot/vmlinuz-$kver" "$tmp/vmlinuz"
install -m 0755 "$bb" "$tmp/busybox"	# the same tools on the host, for comparisons
for o in "${outputs[@]}"; do mv -f "$tmp/$o" "$out/$o"; done
say "done: $kver, initrd $(du -h "$out/initrd.cpio.gz" | cut -f1)"
