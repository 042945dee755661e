#!/usr/bin/env bash
# The mbox must apply two ways: with git am to the base tag (what a
# maintainer does) and with patch -p1, in series order, to Debian's
# unpacked linux-source-7.3 (what a distro kernel builder does).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
tmp=$(mktemp -d)
trap 'git -C "$BASE_DIR" worktree remove --force "$tmp/am" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
mbox=$tmp/series.mbox
"$REPO_DIR/scripts/mbox.sh" "$mbox"

# the patches of the mbox without its cover letter, as b4 am takes them:
# git am would read the cover letter's text after its "---" as a patch
awk '/^From [0-9a-f]+ Mon Sep 17 00:00:00 2001$/ { n++ } n > 1' "$mbox" >"$tmp/patches.mbox"
git -C "$BASE_DIR" worktree add -q --detach "$tmp/am" "$tag"
git -C "$tmp/am" -c user.name=lint -c user.email=lint@clone-files.invalid \
	am -q "$tmp/patches.mbox" || die "git am of the mbox failed on $tag"
n=$(git -C "$tmp/am" rev-list --count "$tag..HEAD")
stage "mbox: git am applied $n patches to $tag"

mkdir "$tmp/deb"
tar -xJf /usr/src/linux-source-7.3.tar.xz -C "$tmp/deb" --strip-components=1
while read -r p; do
	patch -s -p1 -d "$tmp/deb" --no-backup-if-mismatch <"$p" ||
		die "patch -p1 failed on Debian's source at $(basename "$p")"
done < <(series_patches "$REPO_DIR/series")
diff -r -q -x .git "$tmp/am" "$tmp/deb" >/dev/null ||
	die "git am and patch -p1 gave different trees"
stage "mbox: patch -p1 applied the series to Debian's linux-source-7.3, same tree as git am"
