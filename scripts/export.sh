#!/usr/bin/env bash
# Write series/ back from the tree's "work" branch: one patch per commit
# since the base tag, a cover letter whose hand-written part is kept, and
# series/series listing the order. Stable output: zero commit hashes, no
# version signature, and dates that come from the commits.
#
# usage: export.sh [series-dir]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-$REPO_DIR/series}
tag=$("$REPO_DIR/scripts/base.sh")
cd "$TREE_DIR"
git diff --quiet HEAD || die "$TREE_DIR has uncommitted changes: commit them first"
n=$(git rev-list --count "$tag..HEAD")
[ "$n" -gt 0 ] || die "no commits on top of $tag in $TREE_DIR"

desc=$TREE_DIR/.git/cover-description
if [ -e "$series/0000-cover-letter.patch" ]; then
	"$REPO_DIR/scripts/cover-letter.sh" extract "$series/0000-cover-letter.patch" >"$desc"
fi
[ -s "$desc" ] || printf '%s\n\n%s\n' "*** SUBJECT HERE ***" "*** BLURB HERE ***" >"$desc"
git config branch.work.description "$(cat "$desc")"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -c core.abbrev=12 format-patch -q -o "$tmp" --cover-letter \
	--cover-from-description=subject --zero-commit --no-signature \
	--base="$tag" --subject-prefix=PATCH "$tag..HEAD"
# The cover letter's date is the newest patch's, not the time of export.
last_date=$(git log -1 --format='%aD' HEAD)
sed -i "s/^Date: .*/Date: $last_date/" "$tmp/0000-cover-letter.patch"

mkdir -p "$series"
rm -f "$series"/*.patch
cp "$tmp"/*.patch "$series/"
(cd "$series" && ls [0-9]*.patch | grep -v '^0000-' >series)
mark_tree_in_sync "$series" "$tag"
stage "exported $n patches to $series"
