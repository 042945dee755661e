#!/usr/bin/env bash
# The series round trip must be a no-op: series/ applied to a fresh clone
# of the base and exported again gives back series/ byte for byte.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$REPO_DIR/series" "$tmp/series"
TREE_DIR=$tmp/linux "$REPO_DIR/scripts/tree.sh" "$tmp/series"
TREE_DIR=$tmp/linux "$REPO_DIR/scripts/export.sh" "$tmp/series"
diff -ru "$REPO_DIR/series" "$tmp/series" ||
	die "series/ -> tree -> export changed the series: the round trip is not a no-op"
stage "round trip: series/ unchanged"
