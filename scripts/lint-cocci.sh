#!/usr/bin/env bash
# coccicheck (report mode) on io_uring/: no report that the base does not
# have too. It runs in the source tree: with O= it would search the build
# directory for sources. Some scripts need OCaml.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
ensure_packages ocaml-nox ocaml-findlib
mkdir -p "$CACHE_DIR/logs"
stage "coccicheck M=io_uring, base vs series"
cocci() {
	make -s -C "$TREE_DIR" J="$(nproc)" coccicheck MODE=report M=io_uring 2>&1 |
		grep -E '^\./[^ ]+:[0-9]' | sed 's|^\./|io_uring/|'
}
new=$(compare_base_series "$tag" "$CACHE_DIR/logs/lint-cocci" cocci)
if [ -n "$new" ]; then
	echo "$new"
	die "coccicheck: new reports (logs: $CACHE_DIR/logs/lint-cocci.*)"
fi
stage "coccicheck: no new reports ($(wc -l <"$CACHE_DIR/logs/lint-cocci.base.norm") in the base)"
