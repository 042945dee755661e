#!/usr/bin/env bash
# Build the static demo and benchmark programs (progs/) against the uapi
# headers of a built kernel, into $BUILD_DIR/progs.
#
# usage: build-progs.sh [FLAVOUR]   (default debug)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-debug}
hdrs=$BUILD_DIR/$flavour/usr/include
[ -d "$hdrs/linux" ] || die "no headers in $hdrs: build the $flavour kernel first"
mkdir -p "$BUILD_DIR/progs"
make -s -C "$REPO_DIR/progs" OUT="$BUILD_DIR/progs" HDRS="$hdrs"
