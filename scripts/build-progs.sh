#!/usr/bin/env bash
# Build the static demo and benchmark programs (progs/) against the uapi
# headers of a built kernel, into $BUILD_DIR/progs (debug) or
# $BUILD_DIR/progs-FLAVOUR (any other flavour, e.g. perf for the benchmark).
#
# usage: build-progs.sh [FLAVOUR]   (default debug)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-debug}
hdrs=$BUILD_DIR/$flavour/usr/include
[ -d "$hdrs/linux" ] || die "no headers in $hdrs: build the $flavour kernel first"
out=$BUILD_DIR/progs
[ "$flavour" = debug ] || out=$BUILD_DIR/progs-$flavour
mkdir -p "$out"
make -s -C "$REPO_DIR/progs" OUT="$out" HDRS="$hdrs" TOOLS_INC="$(mini_liburing_dir "$out")"
