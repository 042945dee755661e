#!/usr/bin/env bash
# The series round trip must be a no-op: applying series/ and exporting it
# again gives back series/ byte for byte.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO_DIR/scripts/tree.sh"
"$REPO_DIR/scripts/export.sh"
if ! git -C "$REPO_DIR" diff --exit-code --stat -- series/; then
	die "export changed series/: the round trip is not a no-op"
fi
if [ -n "$(git -C "$REPO_DIR" status --porcelain -- series/)" ]; then
	git -C "$REPO_DIR" status --short -- series/ >&2
	die "export left untracked files in series/"
fi
stage "round trip: series/ unchanged"
