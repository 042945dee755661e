#!/usr/bin/env bash
# Refresh liburing-results/base.tsv: liburing's suite (with the liburing
# series' tests) on the performance kernel built from the unpatched base.
# CI does not run this; it compares the patched kernel against the file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
git -C "$TREE_DIR" diff --quiet HEAD || die "$TREE_DIR has uncommitted changes"
"$REPO_DIR/scripts/build-liburing-tests.sh"

stage "building the unpatched base as the perf kernel (perf-base)"
trap 'git -C "$TREE_DIR" checkout -q -f work' EXIT
git -C "$TREE_DIR" checkout -q -f "$tag"
"$REPO_DIR/scripts/build-kernel.sh" perf perf-base
git -C "$TREE_DIR" checkout -q -f work
trap - EXIT

mkdir -p "$REPO_DIR/liburing-results"
"$REPO_DIR/scripts/run-liburing-suite.sh" perf-base "$REPO_DIR/liburing-results/base.tsv"
echo "# $(date -u +%F) liburing $(git -C "$LIBURING_BASE_DIR" describe --tags 2>/dev/null) + liburing/ on $tag (perf config), TCG" \
	>"$REPO_DIR/liburing-results/base.about"
