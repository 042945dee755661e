#!/usr/bin/env bash
# Fetch liburing's Debian source package from sid once into
# $LIBURING_SRC_DIR and import its upstream tree into $LIBURING_BASE_DIR as
# a git repository with one commit, tagged liburing-<upstream version>.
#
# apt-get source only downloads, checks and unpacks (dpkg-source -x): no
# binary package is installed. The base is the upstream release tarball
# (the package's .orig.tar.gz) as it is, upstream's own debian/ included:
# liburing 2.15-1 has no debian/patches, so the unpacked package differs
# from it only by Debian's debian/, which is no part of liburing. A package
# that carries patches is refused, as the base would then have to choose
# which of them to take.
#
# The import commit is deterministic (identity and date come from the
# package: its Maintainer and its changelog date), so every machine gets
# the same base hash, and the series' base-commit line does not churn.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKG=liburing
UPSTREAM=2.15               # the release the liburing/ series is made on
tag=liburing-$UPSTREAM

if git -C "$LIBURING_BASE_DIR" rev-parse -q --verify "refs/tags/$tag" >/dev/null 2>&1; then
	echo "$tag"
	exit 0
fi

dsc=$(ls "$LIBURING_SRC_DIR"/${PKG}_"$UPSTREAM"-*.dsc 2>/dev/null | tail -1 || true)
if [ -z "$dsc" ] || [ ! -d "$LIBURING_SRC_DIR/$PKG-$UPSTREAM/debian" ]; then
	stage "apt-get source $PKG from sid into $LIBURING_SRC_DIR"
	rm -rf "$LIBURING_SRC_DIR.tmp"
	mkdir -p "$LIBURING_SRC_DIR.tmp"
	# _apt cannot enter a cache under /root: apt would download as root
	# anyway, with a warning.
	(cd "$LIBURING_SRC_DIR.tmp" && apt-get source -qq -o APT::Sandbox::User=root \
		-t sid "$PKG" >/dev/null) ||
		die "apt-get source -t sid $PKG failed: run scripts/setup-host.sh (deb-src for sid, dpkg-dev)"
	got=$(cd "$LIBURING_SRC_DIR.tmp" && ls ${PKG}_*.dsc)
	got=${got#${PKG}_}; got=${got%.dsc}
	[ "${got%-*}" = "$UPSTREAM" ] ||
		die "sid has $PKG $got, not $UPSTREAM: rebase liburing/ and update UPSTREAM in $0"
	rm -rf "$LIBURING_SRC_DIR"
	mv "$LIBURING_SRC_DIR.tmp" "$LIBURING_SRC_DIR"
	dsc=$(ls "$LIBURING_SRC_DIR"/${PKG}_"$UPSTREAM"-*.dsc)
fi
src=$LIBURING_SRC_DIR/$PKG-$UPSTREAM
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
if [ -s "$src/debian/patches/series" ] && grep -qv '^[[:space:]]*\(#\|$\)' "$src/debian/patches/series"; then
	die "$PKG $version carries debian/patches: decide whether the base takes them ($0)"
fi

stage "importing $PKG $version into $LIBURING_BASE_DIR"
maint=$(sed -n 's/^Maintainer: //p' "$dsc")
date=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Timestamp)
rm -rf "$LIBURING_BASE_DIR.tmp"
mkdir -p "$LIBURING_BASE_DIR.tmp"
tar -xzf "$LIBURING_SRC_DIR/${PKG}_$UPSTREAM.orig.tar.gz" -C "$LIBURING_BASE_DIR.tmp" \
	--strip-components=1
git_import_dir "$LIBURING_BASE_DIR.tmp" "$tag" "$maint" "$date" \
	"liburing $UPSTREAM (Debian $PKG $version)" \
	"Unpacked from ${PKG}_$UPSTREAM.orig.tar.gz of Debian source package $PKG $version."
rm -rf "$LIBURING_BASE_DIR"
mv "$LIBURING_BASE_DIR.tmp" "$LIBURING_BASE_DIR"
echo "$version" >"$LIBURING_BASE_DIR/.git/package-version"
stage "base $tag at $(git -C "$LIBURING_BASE_DIR" rev-parse --short HEAD)"
echo "$tag"
