#!/usr/bin/env bash
# Make $LIBURING_TREE_DIR liburing's base plus liburing/, one commit per
# patch, on branch "work" (tree.sh for the liburing side). Reuses an
# existing tree in place.
#
# usage: liburing-tree.sh [series-dir]   (FORCE=1 discards unexported work)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-$REPO_DIR/liburing}
tag=$("$REPO_DIR/scripts/liburing-base.sh")
tree_from_series "$LIBURING_BASE_DIR" "$LIBURING_TREE_DIR" "$tag" "$series" \
	liburing/ "make liburing-export"
