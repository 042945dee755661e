#!/usr/bin/env bash
# Unpack Debian's linux-source-7.3 once into $BASE_DIR as a git repository
# with one commit, tagged base-<package version>.
#
# usage: base.sh [PACKAGE]   (another linux-source-X.Y, installed, e.g. for
#                            make stable-check: BASE_DIR=dir base.sh PKG)
#
# The import commit is deterministic (identity and date come from the
# package), so every machine that unpacks the same package version gets the
# same base hash, and the series' base-commit line does not churn.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKG=${1:-linux-source-7.3}
TARBALL=/usr/src/$PKG.tar.xz

version=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null) ||
	die "$PKG is not installed: run scripts/setup-host.sh"
tag="base-$(printf '%s' "$version" | tr '~+:' '_._')"

if git -C "$BASE_DIR" rev-parse -q --verify "refs/tags/$tag" >/dev/null 2>&1; then
	echo "$tag"
	exit 0
fi

stage "unpacking $TARBALL ($version) into $BASE_DIR"
rm -rf "$BASE_DIR.tmp"
mkdir -p "$BASE_DIR.tmp"
tar -xJf "$TARBALL" -C "$BASE_DIR.tmp" --strip-components=1

stage "committing the base tree"
maint=$(dpkg-query -W -f='${Maintainer}' "$PKG")
date=$(stat -c %Y "$TARBALL")
git_import_dir "$BASE_DIR.tmp" "$tag" "$maint" "$date" \
	"Linux $version (Debian $PKG)" \
	"Unpacked from $TARBALL of Debian package $PKG $version."
rm -rf "$BASE_DIR"
mv "$BASE_DIR.tmp" "$BASE_DIR"
echo "$version" >"$BASE_DIR/.git/package-version"
stage "base $tag at $(git -C "$BASE_DIR" rev-parse --short HEAD)"
echo "$tag"
