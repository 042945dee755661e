#!/usr/bin/env bash
# Make $TREE_DIR the base plus series/, one commit per patch, on branch
# "work".  Reuses an existing tree in place: only files the series touches
# are rewritten, so the build stays incremental.
#
# usage: tree.sh [series-dir]   (FORCE=1 discards unexported work)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-$REPO_DIR/series}
tag=$("$REPO_DIR/scripts/base.sh")
tree_from_series "$BASE_DIR" "$TREE_DIR" "$tag" "$series" series/ "make export"
