#!/usr/bin/env bash
# Write liburing/ back from $LIBURING_TREE_DIR's "work" branch (export.sh
# for the liburing side): one patch per commit since the base tag, subject
# prefix "PATCH liburing" as liburing patches are posted, the cover letter's
# hand-written part kept, and liburing/series listing the order.
#
# usage: liburing-export.sh [series-dir]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-$REPO_DIR/liburing}
tag=$("$REPO_DIR/scripts/liburing-base.sh")
series_from_tree "$LIBURING_TREE_DIR" "$tag" "$series" "PATCH liburing"
