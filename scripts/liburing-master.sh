#!/usr/bin/env bash
# Derive the master form of the liburing series: liburing/ (made on
# liburing 2.15) applied onto the HEAD commit of an upstream checkout (a
# clone of github.com/axboe/liburing) and written out as format-patch
# files against that commit, the cover letter's hand-written part kept.
#
# Every patch must apply there as it is (git am: offsets, no fuzz, no
# 3-way), except in the symbol maps src/liburing.map and
# src/liburing-ffi.map, where master gains symbols of its own in the node
# of its next release. Only that merge is resolved, mechanically: the
# patch's change to a map must be one added node "LIBURING_X { global:
# symbols } LIBURING_Y;", and its symbols go at the end of master's node X,
# or node X is appended when master has none. Anything else fails: a patch
# that does not apply outside the maps, a map change of another shape, a
# symbol master already exports, a duplicated node, or a master whose
# liburing.spec is at X already (X is released: the symbols need a newer
# node, which is a decision, not a merge).
#
# The checkout is only read; the work happens in a fresh clone of it,
# $CACHE_DIR/liburing-master.
#
# usage: liburing-master.sh UPSTREAM OUT-DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 2 ] || die "usage: liburing-master.sh UPSTREAM OUT-DIR"
up=$(cd "$1" && pwd) || die "no liburing checkout at $1"
out=$2
tree=$CACHE_DIR/liburing-master
maps=(src/liburing.map src/liburing-ffi.map)
commit=$(git -C "$up" rev-parse -q --verify 'HEAD^{commit}') ||
	die "$up is not a git checkout of liburing"
[ -z "$(git -C "$up" status --porcelain --untracked-files=no)" ] ||
	stage "warning: $up has uncommitted changes: only its HEAD is used"
mapfile -t patches < <(series_patches "$REPO_DIR/liburing")
mkdir -p "$out"
rm -f "$out"/*.patch "$out/series"    # no stale form if this run fails

# The lines PATCH adds to or removes from FILE (diff headers left out).
map_change() {
	awk -v f="a/$2" '/^diff --git / { on = ($3 == f); next }
		on && !/^(\+\+\+|---) / && /^[-+]/' "$1"
}

# Merge PATCH's new node into FILE of the tree (see the header).
merge_map() {
	local p=$1 f=$2 change node prev syms s how
	change=$(map_change "$p" "$f")
	grep -qvE $'^\\+(|LIBURING_[0-9.]+ \\{|\tglobal:|\t\t[A-Za-z_][A-Za-z0-9_]*;|\\} LIBURING_[0-9.]+;)$' \
		<<<"$change" && die "$(basename "$p"): unexpected change to $f:"$'\n'"$change"
	node=$(sed -n 's/^+\(LIBURING_[0-9.]*\) {$/\1/p' <<<"$change")
	prev=$(sed -n 's/^+} \(LIBURING_[0-9.]*\);$/\1/p' <<<"$change")
	syms=$(grep $'^+\t\t' <<<"$change" | sed 's/^+//')
	[ "$(wc -l <<<"$node")" = 1 ] && [ "$(wc -l <<<"$prev")" = 1 ] && [ -n "$node" ] ||
		die "$(basename "$p"): $f must gain exactly one node:"$'\n'"$change"
	how="a new node $node"
	grep -qx "$node {" "$tree/$f" && how="master's $node"
	for s in $syms; do
		! grep -qxF $'\t\t'"$s" "$tree/$f" || die "$f on master already exports ${s%;}"
	done
	awk -v node="$node" -v prev="$prev" -v syms="$syms" '
		$0 == node " {" { in_node = 1; found = 1; g = 0 }
		/^LIBURING_.* \{$/ { last = $1 }
		in_node && /^\tglobal:$/ { g = 1 }
		in_node && /^}/ {
			if ($0 != "} " prev ";") bad = 1
			if (!g) print "\tglobal:"
			print syms
			in_node = 0
		}
		{ print }
		END {
			if (!found && last != prev) bad = 1
			if (!found) print "\n" node " {\n\tglobal:\n" syms "\n} " prev ";"
			exit bad
		}' "$tree/$f" >"$tree/$f.merged" ||
		die "$f on master: $node does not follow $prev as in $(basename "$p")"
	mv "$tree/$f.merged" "$tree/$f"
	git -C "$tree" add "$f"
	stage "$(basename "$p"): $(wc -w <<<"$syms") symbols into $how of $f"
}

# The node the series adds must be the one of master's next release.
spec=$(git -C "$up" show "$commit:liburing.spec" | awk '/^Version:/ { print $2 }')
[ -n "$spec" ] || die "no Version in $up's liburing.spec: is it liburing?"
for node in $(cat "${patches[@]}" | sed -n 's/^+LIBURING_\([0-9.]*\) {$/\1/p' | sort -u); do
	[ "$(printf '%s\n' "$spec" "$node" | sort -V | tail -1)" != "$spec" ] ||
		die "master's liburing.spec is at $spec: LIBURING_$node is released, the series needs a newer node"
done

stage "applying liburing/ onto $(git -C "$up" log -1 --format='%h (%ad) %s' --date=short "$commit")"
rm -rf "$tree"
git clone -q --shared --no-checkout "$up" "$tree"
git -C "$tree" checkout -q -B work "$commit"
git -C "$tree" tag upstream-base "$commit"
am() { GIT_COMMITTER_NAME=clone-files-tree GIT_COMMITTER_EMAIL=tree@clone-files.invalid \
	git -C "$tree" am -q "$@"; }
for p in "${patches[@]}"; do
	am "$p" >/dev/null 2>&1 && continue
	git -C "$tree" apply --index --exclude='src/liburing*.map' "$p" ||
		die "$(basename "$p") does not apply to master outside the symbol maps: rebase liburing/ by hand"
	for f in "${maps[@]}"; do
		[ -z "$(map_change "$p" "$f")" ] || merge_map "$p" "$f"
	done
	am --continue
done

for f in "${maps[@]}"; do
	dup=$(grep -E '^LIBURING_[0-9.]+ \{$' "$tree/$f" | sort | uniq -d)
	[ -z "$dup" ] || die "$f has a duplicated node on master: $dup"
done
cp "$REPO_DIR/liburing/0000-cover-letter.patch" "$out/"
series_from_tree "$tree" upstream-base "$out" "PATCH liburing"
"$REPO_DIR/scripts/cover-letter.sh" extract "$out/0000-cover-letter.patch" | grep -q "${commit:0:12}" ||
	stage "warning: liburing/0000-cover-letter.patch does not name ${commit:0:12} as tested: test there and say so"
