#!/usr/bin/env bash
# Build a User-Mode Linux kernel (ARCH=um) of the patched tree into
# $BUILD_DIR/FLAVOUR, through ccache. Its ./linux runs as an ordinary host
# process (scripts/uml-run.sh). Flavours, each defconfig + configs/uml.config
# (what the guest programs need) +:
#   uml       configs/uml-debug.config: lockdep, UBSAN, the hang detectors
#             (make fuzz)
#   uml-perf  configs/uml-perf.config: no debug option (wall-clock timings
#             of make bench and make demo)
#
# usage: build-uml.sh [uml|uml-perf]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-uml}
case "$flavour" in
uml) frag=$REPO_DIR/configs/uml-debug.config ;;
uml-perf) frag=$REPO_DIR/configs/uml-perf.config ;;
*) die "usage: build-uml.sh [uml|uml-perf]" ;;
esac
out=$BUILD_DIR/$flavour
args=(ARCH=um CC="ccache gcc")
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
mkdir -p "$CCACHE_DIR"

make_config "$flavour" "$out" defconfig "$REPO_DIR/configs/uml.config" "$frag" -- "${args[@]}"
stage "building the $flavour kernel (cold: ~7 min on 2 cores; warm: seconds)"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" "${args[@]}" \
	KBUILD_BUILD_USER=clone-files KBUILD_BUILD_HOST=clone-files linux
stage "$flavour kernel: $out/linux"
