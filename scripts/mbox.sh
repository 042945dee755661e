#!/usr/bin/env bash
# Write the series as one mbox, ready to send: every message (cover letter
# first) gets To/Cc from scripts/get_maintainer.pl run over the whole
# series, as git send-email --to-cmd/--cc-cmd would.
#
# usage: mbox.sh [OUT]   (default $BUILD_DIR/clone-files.mbox)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:-$BUILD_DIR/clone-files.mbox}
mapfile -t patches < <(series_patches "$REPO_DIR/series")
gm=("$TREE_DIR/scripts/get_maintainer.pl" --no-rolestats --no-git
	--no-git-fallback --no-tree)
to=$(cd "$TREE_DIR" && "${gm[@]}" --m --no-l --no-r "${patches[@]}" | paste -sd, | sed 's/,/, /g')
cc=$(cd "$TREE_DIR" && "${gm[@]}" --no-m --l --r "${patches[@]}" | paste -sd, | sed 's/,/, /g')
[ -n "$to" ] || die "get_maintainer.pl found no maintainer"

mkdir -p "$(dirname "$out")"
write_mbox "$to" "$cc" "$REPO_DIR/series/0000-cover-letter.patch" "${patches[@]}" >"$out"
stage "mbox: $out (To: $to)"
