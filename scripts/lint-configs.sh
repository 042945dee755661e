#!/usr/bin/env bash
# The series must build in configurations without the debug options, so
# that nothing depends on them by accident: the performance kernel
# (configs/perf.config) and allnoconfig with io_uring added back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO_DIR/scripts/tree.sh"
"$REPO_DIR/scripts/build-kernel.sh" perf

out=$BUILD_DIR/allno
mkdir -p "$out"
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
stage "allnoconfig + IO_URING"
make -s -C "$TREE_DIR" O="$out" allnoconfig >/dev/null
"$TREE_DIR/scripts/config" --file "$out/.config" -e EXPERT -e IO_URING
make -s -C "$TREE_DIR" O="$out" olddefconfig >/dev/null
grep -qx 'CONFIG_IO_URING=y' "$out/.config" || die "allnoconfig: IO_URING did not stick"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" CC="ccache gcc" vmlinux ||
	die "allnoconfig + IO_URING does not build"
stage "perf and allnoconfig+IO_URING kernels build"
