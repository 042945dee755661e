#!/usr/bin/env bash
# The documentation the series adds builds without new warnings
# (make SPHINXDIRS=userspace-api htmldocs, base vs series), and kernel-doc
# has nothing to say about the C files it touches.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
ensure_packages python3-sphinx python3-sphinx-rtd-theme python3-yaml
mkdir -p "$CACHE_DIR/logs"
stage "htmldocs (userspace-api), base vs series"
docs() {
	# From scratch each time, so that both builds report on every page.
	rm -rf "$BUILD_DIR/docs"
	# Debian's Sphinx runs on Debian's python3, whatever python3 is first in PATH.
	PATH=/usr/bin:$PATH make -s -C "$TREE_DIR" O="$BUILD_DIR/docs" \
		SPHINXDIRS=userspace-api SPHINXOPTS=-q htmldocs 2>&1 |
		grep -iE 'warning|error' | sed "s|^.*Documentation/|Documentation/|" || true
}
new=$(compare_base_series "$tag" "$CACHE_DIR/logs/lint-docs" docs)
[ -z "$new" ] || { echo "$new"; die "htmldocs: new warnings"; }
[ -e "$BUILD_DIR/docs/Documentation/output/userspace-api/io_uring-clone-files.html" ] ||
	die "htmldocs: io_uring-clone-files.html was not built"

mapfile -t files < <(series_kernel_files "$tag")
out=$("$TREE_DIR/scripts/kernel-doc" -none "${files[@]/#/$TREE_DIR/}" 2>&1 || true)
[ -z "$out" ] || { echo "$out"; die "kernel-doc: reports on ${files[*]}"; }
stage "docs: no new htmldocs warning, kernel-doc clean on ${files[*]}"
