#!/usr/bin/env bash
# Write series/ back from the tree's "work" branch: one patch per commit
# since the base tag, a cover letter whose hand-written part is kept, and
# series/series listing the order. Stable output: zero commit hashes, no
# version signature, and dates that come from the commits.
#
# usage: export.sh [series-dir]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "${CORE:-0}${BASE:-0}" = 00 ] || die "CORE=1 or BASE=1: only the full tree is exported"
series=${1:-$REPO_DIR/series}
tag=$("$REPO_DIR/scripts/base.sh")
# The subject prefix ("PATCH v4") is the cover letter's, unless
# SUBJECT_PREFIX sets a new one.
prefix=${SUBJECT_PREFIX:-$(sed -n 's/^Subject: \[\(PATCH[^]]*\) 0*\/[0-9]*\].*/\1/p' \
	"$series/0000-cover-letter.patch" 2>/dev/null)}
series_from_tree "$TREE_DIR" "$tag" "$series" "${prefix:-PATCH}"
