#!/usr/bin/env bash
# Build the User-Mode Linux kernel (ARCH=um: defconfig + configs/uml.config)
# of the patched tree into $BUILD_DIR/uml, through ccache. Its ./linux
# runs as an ordinary host process (scripts/uml-run.sh).
#
# usage: build-uml.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD_DIR/uml
args=(ARCH=um CC="ccache gcc")
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
mkdir -p "$CCACHE_DIR"

make_config uml "$out" defconfig "$REPO_DIR/configs/uml.config" -- "${args[@]}"
stage "building the UML kernel (cold: ~7 min on 2 cores; warm: seconds)"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" "${args[@]}" \
	KBUILD_BUILD_USER=clone-files KBUILD_BUILD_HOST=clone-files linux
stage "UML kernel: $out/linux"
