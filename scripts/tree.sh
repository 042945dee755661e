#!/usr/bin/env bash
# Make $TREE_DIR the base plus series/, one commit per patch, on branch
# "work".  Reuses an existing tree in place: only files the series touches
# are rewritten, so the build stays incremental.
#
# usage: tree.sh [series-dir]   (FORCE=1 discards unexported work)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-$REPO_DIR/series}
tag=$("$REPO_DIR/scripts/base.sh")

mapfile -t patches < <(series_patches "$series")
stamp=$( (echo "$tag"; printf '%s\n' "${patches[@]}" | xargs -r cat) | sha256sum | cut -d' ' -f1)

if [ ! -d "$TREE_DIR/.git" ]; then
	stage "cloning base into $TREE_DIR"
	git clone -q --shared --no-checkout "$BASE_DIR" "$TREE_DIR"
	git -C "$TREE_DIR" config gc.auto 0
	git -C "$TREE_DIR" fetch -q origin "refs/tags/$tag:refs/tags/$tag"
	git -C "$TREE_DIR" checkout -q -B work "$tag"
elif [ "$(cat "$TREE_DIR/.git/series-stamp" 2>/dev/null)" = "$stamp" ] &&
     [ "$(git -C "$TREE_DIR" rev-parse HEAD)" = "$(cat "$TREE_DIR/.git/series-head")" ] &&
     git -C "$TREE_DIR" diff --quiet HEAD; then
	exit 0
elif [ "${FORCE:-0}" != 1 ] && [ -e "$TREE_DIR/.git/series-head" ] &&
     { [ "$(git -C "$TREE_DIR" rev-parse HEAD)" != "$(cat "$TREE_DIR/.git/series-head")" ] ||
       ! git -C "$TREE_DIR" diff --quiet HEAD; }; then
	die "$TREE_DIR has commits or changes that are not in series/: 'make export' them, or FORCE=1 to discard"
else
	git -C "$TREE_DIR" fetch -q origin "refs/tags/$tag:refs/tags/$tag" 2>/dev/null || true
	git -C "$TREE_DIR" am --abort >/dev/null 2>&1 || true
	git -C "$TREE_DIR" checkout -q -f -B work "$tag"
fi

if [ ${#patches[@]} -gt 0 ]; then
	stage "applying ${#patches[@]} patches"
	# Committer date = author date and a fixed committer keep the hashes
	# of an unchanged series the same on every machine.
	GIT_COMMITTER_NAME=clone-files-tree GIT_COMMITTER_EMAIL=tree@clone-files.invalid \
		git -C "$TREE_DIR" am -q --committer-date-is-author-date "${patches[@]}" ||
		die "series does not apply to $tag (git -C $TREE_DIR am --show-current-patch)"
fi

# The cover letter's hand-written part travels as the branch description.
cover=$series/0000-cover-letter.patch
if [ -e "$cover" ]; then
	"$REPO_DIR/scripts/cover-letter.sh" extract "$cover" >"$TREE_DIR/.git/cover-description"
	git -C "$TREE_DIR" config branch.work.description \
		"$(cat "$TREE_DIR/.git/cover-description")"
fi
mark_tree_in_sync "$series" "$tag"
stage "tree: $TREE_DIR at $(git -C "$TREE_DIR" log --oneline -1)"
