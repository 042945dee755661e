#!/usr/bin/env bash
# Build and install tools/testing/selftests/io_uring of $TREE_DIR, linked
# statically against the uapi headers of the built kernel, into
# $BUILD_DIR/kselftest (run_kselftest.sh and the test programs).
#
# usage: build-selftests.sh [FLAVOUR]   (headers from that build, default debug)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-debug}
hdrs=$BUILD_DIR/$flavour/usr/include
out=$BUILD_DIR/kselftest
[ -d "$hdrs/linux" ] || die "no headers in $hdrs: build the $flavour kernel first"

stage "building io_uring selftests"
rm -rf "$out"
make -s -C "$TREE_DIR/tools/testing/selftests" TARGETS=io_uring \
	O="$BUILD_DIR/kselftest-build" KHDR_INCLUDES="-isystem $hdrs" \
	LDFLAGS=-static CC="ccache gcc" INSTALL_PATH="$out" install >/dev/null
