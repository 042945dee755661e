# Shared helpers for the workbench scripts: sourced, not run.
# Paths come from the environment so that caches live outside the clone.

: "${CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/clone-files}"
: "${BASE_DIR:=$CACHE_DIR/base}"        # unpacked linux-source, a git repo
: "${TREE_DIR:=$CACHE_DIR/linux}"       # working tree: base + series
: "${BUILD_DIR:=$CACHE_DIR/build}"      # out-of-tree build dirs
: "${CCACHE_DIR:=$CACHE_DIR/ccache}"
export CACHE_DIR BASE_DIR TREE_DIR BUILD_DIR CCACHE_DIR

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${WORKBENCH_T0:=$(date +%s)}"
export WORKBENCH_T0

stage() {
	local now=$(( $(date +%s) - WORKBENCH_T0 ))
	printf '[%3d:%02d] %s\n' $((now / 60)) $((now % 60)) "$*" >&2
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# The patches of a series directory, in the order of its series file.
series_patches() {
	local dir=$1 p
	[ -e "$dir/series" ] || return 0
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		echo "$dir/$p"
	done <"$dir/series"
}

# Record that $TREE_DIR's HEAD is the base tag plus the series in $1, so
# that tree.sh can tell unexported work from a tree that is up to date.
mark_tree_in_sync() {
	local dir=$1 tag=$2
	(echo "$tag"; series_patches "$dir" | xargs -r cat) | sha256sum |
		cut -d' ' -f1 >"$TREE_DIR/.git/series-stamp"
	git -C "$TREE_DIR" rev-parse HEAD >"$TREE_DIR/.git/series-head"
}
