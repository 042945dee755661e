#!/usr/bin/env bash
# What the kernel test robot builds beyond x86_64: allnoconfig plus
# configs/lint-small.config for ARCH i386 (unsigned long is 32 bits) or
# arm64 (Debian's cross compiler). The directories the series changes
# are built with W=1, at the base and at the series: no new warning; and
# their objects may not call libgcc's 64-bit division helpers, which the
# kernel does not link on 32-bit (an undefined __udivdi3 at link time).
#
# usage: lint-arch.sh i386|arm64
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: lint-arch.sh i386|arm64}
case "$arch" in
i386) args=(ARCH=i386 CC="ccache gcc") nm=nm ;;
arm64) args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	CC="ccache aarch64-linux-gnu-gcc") nm=aarch64-linux-gnu-nm ;;
*) die "usage: lint-arch.sh i386|arm64" ;;
esac
frag=$REPO_DIR/configs/lint-small.config
tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
out=$BUILD_DIR/lint-$arch
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1

make_config "$arch" "$out" allnoconfig "$frag" -- "${args[@]}"
case "$arch" in
i386) grep -qx 'CONFIG_X86_32=y' "$out/.config" || die "i386: not a 32-bit config" ;;
esac
stage "$arch: prepare"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" "${args[@]}" prepare >/dev/null ||
	die "$arch: make prepare failed"
stage "$arch: W=1 on the changed directories, base vs series"
lint_build_compare "$arch" "$tag" "$out" "${args[@]}" W=1

mapfile -t objs < <(series_kernel_files "$tag" | sed "s|^|$out/|; s|\.c\$|.o|")
helpers=$("$nm" -u "${objs[@]}" | grep -Ew '__(u?div|u?mod)di3|__aeabi_u?ldivmod' || true)
[ -z "$helpers" ] || die "$arch: libgcc division helpers called: $helpers"
stage "$arch: no libgcc division helper in ${#objs[@]} objects"
