#!/usr/bin/env bash
# Build the kernel of one flavour from $TREE_DIR out of tree, through
# ccache, and install its uapi headers for the selftests.
#
# usage: build-kernel.sh FLAVOUR [NAME]   (build directory $BUILD_DIR/NAME,
#                                   default the flavour)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: build-kernel.sh FLAVOUR [NAME]}
out=$BUILD_DIR/${2:-$flavour}

# A flavour on a base ("# base: NAME") that differs from it in a few
# options starts from a copy of the base's build: kbuild's per-option
# dependencies then rebuild only what those options touch (minutes, not
# the cold build that ccache cannot spare, as autoconf.h changed).
base=$(sed -n '1s/^# base: \([a-z0-9-]*\)$/\1/p' "$REPO_DIR/configs/$flavour.config")
if [ -n "$base" ] && [ ! -e "$out/.config" ] && [ -e "$BUILD_DIR/$base/vmlinux" ]; then
	stage "seeding $flavour build from $base's"
	mkdir -p "$out"
	cp -a "$BUILD_DIR/$base/." "$out/"
	rm -f "$out/.config-stamp"
fi
"$REPO_DIR/scripts/config.sh" "$flavour" "${2:-$flavour}"
# A fragment's "# make: VAR=VALUE..." lines are make arguments of its build
# (kbuild has per-object switches, GCOV_PROFILE_rsrc.o=y, but no option).
read -r -a make_args < <(sed -n 's/^# make: //p' "$REPO_DIR/configs/$flavour.config" | tr '\n' ' ') || true

mkdir -p "$CCACHE_DIR"
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
ccache -M 10G >/dev/null

stage "building $flavour kernel (cold: ~7 min on 2 cores; warm: seconds)"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" CC="ccache gcc" \
	KBUILD_BUILD_USER=clone-files \
	KBUILD_BUILD_HOST=clone-files "${make_args[@]}" bzImage
make -s -C "$TREE_DIR" O="$out" headers_install >/dev/null
stage "$flavour kernel: $out/arch/x86/boot/bzImage"
