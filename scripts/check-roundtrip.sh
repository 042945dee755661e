#!/usr/bin/env bash
# The series round trip must be a no-op: a series directory applied to a
# fresh clone of its base and exported again gives it back byte for byte.
#
# usage: check-roundtrip.sh [kernel|liburing]   (default kernel)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case "${1:-kernel}" in
kernel) dir=series tree_var=TREE_DIR prefix= ;;
liburing) dir=liburing tree_var=LIBURING_TREE_DIR prefix=liburing- ;;
*) die "usage: check-roundtrip.sh [kernel|liburing]" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$REPO_DIR/$dir" "$tmp/$dir"
env "$tree_var=$tmp/tree" "$REPO_DIR/scripts/${prefix}tree.sh" "$tmp/$dir"
env "$tree_var=$tmp/tree" "$REPO_DIR/scripts/${prefix}export.sh" "$tmp/$dir"
diff -ru "$REPO_DIR/$dir" "$tmp/$dir" ||
	die "$dir/ -> tree -> export changed the series: the round trip is not a no-op"
stage "round trip: $dir/ unchanged"
