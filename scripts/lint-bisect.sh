#!/usr/bin/env bash
# Every prefix of the series must build: check out each patch in turn in
# the working tree and build the debug kernel incrementally (ccache), and
# build the io_uring selftests at every patch that touches them. The tree
# goes back to the series' head afterwards.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
head=$(git -C "$TREE_DIR" rev-parse HEAD)
git -C "$TREE_DIR" diff --quiet HEAD || die "$TREE_DIR has uncommitted changes"
trap 'git -C "$TREE_DIR" checkout -q -f work' EXIT

export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
out=$BUILD_DIR/debug
i=0
for c in $(git -C "$TREE_DIR" rev-list --reverse "$tag..$head"); do
	i=$((i + 1))
	subject=$(git -C "$TREE_DIR" log -1 --format=%s "$c")
	git -C "$TREE_DIR" checkout -q -f "$c"
	stage "patch $i: $subject"
	make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" CC="ccache gcc" bzImage ||
		die "patch $i does not build: $subject"
	if git -C "$TREE_DIR" diff --quiet "$c~1" "$c" -- tools/testing/selftests/io_uring; then
		continue
	fi
	make -s -C "$TREE_DIR" O="$out" headers_install >/dev/null
	make -s -C "$TREE_DIR/tools/testing/selftests" TARGETS=io_uring \
		O="$BUILD_DIR/bisect-selftests" KHDR_INCLUDES="-isystem $out/usr/include" \
		CC="ccache gcc" >/dev/null ||
		die "patch $i: the io_uring selftests do not build: $subject"
done
stage "all $i prefixes of the series build"
