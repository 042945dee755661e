#!/usr/bin/env bash
# Install what the workbench needs on a bare Debian bookworm machine.
#
# bookworm provides the toolchain, QEMU and the checkers.  The base kernel
# (linux-source-7.3) comes from trixie-backports and liburing's source from
# sid: both suites are added with pin priority 100 so that nothing else is
# ever taken from them, and the two packages are asked for by name.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

HOST_PACKAGES=(gcc make flex bison bc libelf-dev libssl-dev cpio xz-utils
	qemu-system-x86 busybox-static bash-static ccache sparse coccinelle
	gnuplot-nox git rsync kmod dwarves python3 dpkg-dev
	gcc-aarch64-linux-gnu)

sources=/etc/apt/sources.list.d/clonefiles-extra.sources
pinning=/etc/apt/preferences.d/clonefiles-extra

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

write_if_changed() {
	local dst=$1 tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if ! cmp -s "$tmp" "$dst" 2>/dev/null; then
		$SUDO install -m 0644 "$tmp" "$dst"
		rm -f "$tmp"
		return 0
	fi
	rm -f "$tmp"
	return 1
}

changed=0
write_if_changed "$sources" <<'SRC' && changed=1
# Added by clone-files scripts/setup-host.sh: the base kernel source
# (linux-source-7.3) and liburing's source package only; see the pinning.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
write_if_changed "$pinning" <<'PIN' && changed=1
# Never upgrade anything from these suites: only packages asked for by
# name and release (pkg/trixie-backports, apt-get source -t sid) come from
# them.
Package: *
Pin: release n=trixie-backports
Pin-Priority: 100

Package: *
Pin: release n=sid
Pin-Priority: 50
PIN

stamp=/var/lib/apt/lists/.clonefiles-updated
if [ "$changed" = 1 ] || [ ! -e "$stamp" ] ||
   [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
	stage "apt-get update"
	$SUDO apt-get update -qq
	$SUDO touch "$stamp"
fi

ensure_packages "${HOST_PACKAGES[@]}"

# The base kernel's source, and Debian's own configs for it (make lint's
# distro build, lint-debian.sh), from trixie-backports by name only.
ensure_packages_from trixie-backports linux-source-7.3 linux-config-7.3
[ -e /usr/src/linux-source-7.3.tar.xz ] ||
	die "/usr/src/linux-source-7.3.tar.xz missing after installing linux-source-7.3"
stage "host ready"
