#!/usr/bin/env bash
# Write the liburing series as one mbox, ready to send (mbox.sh for the
# liburing side): To liburing's maintainer, Cc the io_uring list, where
# liburing's CONTRIBUTING.md sends patches by mail.
#
# Given an upstream checkout (a clone of github.com/axboe/liburing), the
# master form: liburing/ carried onto the checkout's HEAD by
# liburing-master.sh, which fails on anything but the symbol-map merge.
# Without one, the base form: liburing/ as it is, which applies to the
# liburing release of scripts/liburing-base.sh, not to master.
#
# usage: liburing-mbox.sh [UPSTREAM [OUT]]
#   (OUT defaults to $BUILD_DIR/liburing-master.mbox or liburing-<release>.mbox)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

to="Jens Axboe <axboe@kernel.dk>"
cc="io-uring@vger.kernel.org"
release=$(sed -n 's/^UPSTREAM=\([0-9.]*\).*/\1/p' "$REPO_DIR/scripts/liburing-base.sh")
if [ -n "${1:-}" ]; then
	series=$CACHE_DIR/liburing-master-series
	out=${2:-$BUILD_DIR/liburing-master.mbox}
	rm -f "$out"    # no stale mbox if the derivation fails
	"$REPO_DIR/scripts/liburing-master.sh" "$1" "$series"
	form="master form, on $(git -C "$1" log -1 --format='%h (%ad)' --date=short) of $1"
else
	series=$REPO_DIR/liburing
	form="liburing $release form: it applies to $release, NOT to upstream master;"
	form+=" for master, give a liburing checkout: make liburing-mbox LIBURING_UPSTREAM=path"
	out=${2:-$BUILD_DIR/liburing-$release.mbox}
fi

mapfile -t patches < <(series_patches "$series")
mkdir -p "$(dirname "$out")"
write_mbox "$to" "$cc" "$series/0000-cover-letter.patch" "${patches[@]}" >"$out"
stage "mbox: $out"
stage "$form"
