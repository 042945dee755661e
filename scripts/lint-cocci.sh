#!/usr/bin/env bash
# coccicheck (report mode) on io_uring/: no report that the base does not
# have too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
mkdir -p "$CACHE_DIR/logs"
stage "coccicheck M=io_uring, base vs series"
cocci() {
	make -s -C "$TREE_DIR" O="$BUILD_DIR/debug" J="$(nproc)" \
		coccicheck MODE=report M=io_uring 2>&1 |
		grep -E '^(/|\.\./|io_uring/)' | sed "s|^.*io_uring/|io_uring/|" || true
}
new=$(compare_base_series "$tag" "$CACHE_DIR/logs/lint-cocci" cocci)
if [ -n "$new" ]; then
	echo "$new"
	die "coccicheck: new reports (logs: $CACHE_DIR/logs/lint-cocci.*)"
fi
stage "coccicheck: no new reports ($(wc -l <"$CACHE_DIR/logs/lint-cocci.base.norm") in the base)"
