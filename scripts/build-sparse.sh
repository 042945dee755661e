#!/usr/bin/env bash
# Print the path of a sparse that Linux 7.3 accepts, building it once.
# Bookworm's sparse 0.6.4 lacks __typeof_unqual__, so scripts/checker-valid.sh
# rejects it and C=1/C=2 silently check nothing. sid's sparse source
# (0.6.5~rc1) works: fetch it with apt-get source and build the sparse
# binary alone (a few seconds) into $CACHE_DIR/sparse.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bin=$CACHE_DIR/sparse/sparse
valid() { [ "$("$TREE_DIR/scripts/checker-valid.sh" "$1" -m64 --arch=x86_64 2>/dev/null)" = 1 ]; }

if [ -x "$bin" ] && valid "$bin"; then
	echo "$bin"
	exit 0
fi
stage "building sparse from sid's source package"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get source -qq -o APT::Sandbox::User=root sparse/sid >/dev/null 2>&1) ||
	die "apt-get source sparse/sid failed: run scripts/setup-host.sh (deb-src for sid)"
src=$(ls -d "$tmp"/sparse-*/ | head -1)
# Debian's packaging builds with gcc-16, which bookworm does not have.
make -s -C "$src" -j"$(nproc)" CC=gcc sparse >/dev/null
mkdir -p "$(dirname "$bin")"
install -m 0755 "$src/sparse" "$bin"
valid "$bin" || die "sparse from sid is not accepted by this kernel's checker-valid.sh"
echo "$bin"
