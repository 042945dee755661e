#!/usr/bin/env bash
# sparse (C=2) and W=1 on the objects the series touches: no warning that
# the same build of the base does not give too. sparse comes from
# build-sparse.sh, as bookworm's is too old for this kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
sparse=$("$REPO_DIR/scripts/build-sparse.sh")
mkdir -p "$CACHE_DIR/logs"
mapfile -t objs < <(series_kernel_files "$tag" | sed 's/\.c$/.o/')
[ ${#objs[@]} -gt 0 ] || die "the series touches no kernel .c file"
stage "sparse + W=1 on ${objs[*]}, base vs series"
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
build_objs() {
	make -s -C "$TREE_DIR" O="$BUILD_DIR/debug" -j"$(nproc)" \
		CC="ccache gcc" CHECK="$sparse" C=2 W=1 "${objs[@]}" 2>&1 |
		grep -E 'warning|error' || true
}
new=$(compare_base_series "$tag" "$CACHE_DIR/logs/lint-sparse" build_objs)
if [ -n "$new" ]; then
	echo "$new"
	die "sparse/W=1: new warnings (logs: $CACHE_DIR/logs/lint-sparse.*)"
fi
stage "sparse + W=1: no new warnings ($(wc -l <"$CACHE_DIR/logs/lint-sparse.base.norm") in the base)"
