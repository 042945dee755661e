#!/usr/bin/env bash
# The liburing round trip must be a no-op: liburing/ applied to a fresh
# clone of liburing's base and exported again gives back liburing/ byte for
# byte (check-roundtrip.sh for the liburing side).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$REPO_DIR/liburing" "$tmp/liburing"
LIBURING_TREE_DIR=$tmp/tree "$REPO_DIR/scripts/liburing-tree.sh" "$tmp/liburing"
LIBURING_TREE_DIR=$tmp/tree "$REPO_DIR/scripts/liburing-export.sh" "$tmp/liburing"
diff -ru "$REPO_DIR/liburing" "$tmp/liburing" ||
	die "liburing/ -> tree -> export changed the series: the round trip is not a no-op"
stage "round trip: liburing/ unchanged"
