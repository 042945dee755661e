# Shared helpers for the workbench scripts: sourced, not run.
# Paths come from the environment so that caches live outside the clone.
# CORE=1 works on the core series, series/ without the optional patches
# that the cover letter's "Optional: patch(es) N[-M]" line names, and
# BASE=1 on the base without any patch, each in a tree and build
# directories of its own (make check, stress, bench).

: "${CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/clone-files}"
# the same depth as the defaults, so that ccache's relative paths match
if [ "${CORE:-0}" = 1 ]; then
	: "${TREE_DIR:=$CACHE_DIR/core/linux}"
	: "${BUILD_DIR:=$CACHE_DIR/core/build}"
elif [ "${BASE:-0}" = 1 ]; then
	: "${TREE_DIR:=$CACHE_DIR/unpatched/linux}"
	: "${BUILD_DIR:=$CACHE_DIR/unpatched/build}"
fi
: "${BASE_DIR:=$CACHE_DIR/base}"        # unpacked linux-source, a git repo
: "${TREE_DIR:=$CACHE_DIR/linux}"       # working tree: base + series
: "${BUILD_DIR:=$CACHE_DIR/build}"      # out-of-tree build dirs
: "${CCACHE_DIR:=$CACHE_DIR/ccache}"
: "${LIBURING_SRC_DIR:=$CACHE_DIR/liburing-src}"   # apt-get source liburing
: "${LIBURING_BASE_DIR:=$CACHE_DIR/liburing-base}" # its upstream tree, a git repo
: "${LIBURING_TREE_DIR:=$CACHE_DIR/liburing}"      # liburing base + liburing/
export CACHE_DIR BASE_DIR TREE_DIR BUILD_DIR CCACHE_DIR
export LIBURING_SRC_DIR LIBURING_BASE_DIR LIBURING_TREE_DIR

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

# The first optional patch's number, from the "Optional: patch(es) N[-M]"
# line of the cover letter in series directory $1 (empty if none).
first_optional() {
	sed -nE 's/^Optional: patch(es)? ([0-9]+).*/\2/p' \
		"$1/0000-cover-letter.patch" 2>/dev/null | head -1
}

# The patches of a series directory, in the order of its series file;
# with CORE=1, only those before the cover letter's optional ones; with
# BASE=1, none.
series_patches() {
	local dir=$1 p opt=
	[ -e "$dir/series" ] && [ "${BASE:-0}" != 1 ] || return 0
	[ "${CORE:-0}" = 1 ] && opt=$(first_optional "$dir")
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		[ -n "$opt" ] && [ "$((10#${p%%-*}))" -ge "$opt" ] && break
		echo "$dir/$p"
	done <"$dir/series"
}

# Record that a tree's HEAD is the base tag plus the series in $1, so
# that tree_from_series can tell unexported work from a tree that is up to
# date. The tree is $3, $TREE_DIR by default.
mark_tree_in_sync() {
	local dir=$1 tag=$2 tree=${3:-$TREE_DIR}
	series_stamp "$dir" "$tag" >"$tree/.git/series-stamp"
	git -C "$tree" rev-parse HEAD >"$tree/.git/series-head"
}

# A hash of the base tag and the patches of a series directory.
series_stamp() {
	(echo "$2"; series_patches "$1" | xargs -r cat) | sha256sum | cut -d' ' -f1
}

# Make TREE the base tag TAG of the git repository BASE plus the patches of
# SERIES, one commit per patch, on branch "work". An existing tree is reused
# in place: only files the series touches are rewritten, so builds stay
# incremental. Unexported commits or changes in TREE are refused unless
# FORCE=1; NAME ("series/") and TARGET ("make export") word that error.
#
# usage: tree_from_series BASE TREE TAG SERIES NAME TARGET
tree_from_series() {
	local base=$1 tree=$2 tag=$3 series=$4 name=$5 target=$6
	local patches stamp cover

	mapfile -t patches < <(series_patches "$series")
	stamp=$(series_stamp "$series" "$tag")

	if [ ! -d "$tree/.git" ]; then
		stage "cloning base into $tree"
		git clone -q --shared --no-checkout "$base" "$tree"
		git -C "$tree" config gc.auto 0
		git -C "$tree" fetch -q origin "refs/tags/$tag:refs/tags/$tag"
		git -C "$tree" checkout -q -B work "$tag"
	elif [ "$(cat "$tree/.git/series-stamp" 2>/dev/null)" = "$stamp" ] &&
	     [ "$(git -C "$tree" rev-parse HEAD)" = "$(cat "$tree/.git/series-head")" ] &&
	     git -C "$tree" diff --quiet HEAD; then
		return 0
	elif [ "${FORCE:-0}" != 1 ] && [ -e "$tree/.git/series-head" ] &&
	     { [ "$(git -C "$tree" rev-parse HEAD)" != "$(cat "$tree/.git/series-head")" ] ||
	       ! git -C "$tree" diff --quiet HEAD; }; then
		die "$tree has commits or changes that are not in $name: '$target' them, or FORCE=1 to discard"
	else
		git -C "$tree" fetch -q origin "refs/tags/$tag:refs/tags/$tag" 2>/dev/null || true
		git -C "$tree" am --abort >/dev/null 2>&1 || true
		git -C "$tree" checkout -q -f -B work "$tag"
	fi

	if [ ${#patches[@]} -gt 0 ]; then
		stage "applying ${#patches[@]} patches"
		# Committer date = author date and a fixed committer keep the
		# hashes of an unchanged series the same on every machine.
		GIT_COMMITTER_NAME=clone-files-tree GIT_COMMITTER_EMAIL=tree@clone-files.invalid \
			git -C "$tree" am -q --committer-date-is-author-date "${patches[@]}" ||
			die "series does not apply to $tag (git -C $tree am --show-current-patch)"
	fi

	# The cover letter's hand-written part travels as the branch description.
	cover=$series/0000-cover-letter.patch
	if [ -e "$cover" ]; then
		"$REPO_DIR/scripts/cover-letter.sh" extract "$cover" >"$tree/.git/cover-description"
		git -C "$tree" config branch.work.description \
			"$(cat "$tree/.git/cover-description")"
	fi
	mark_tree_in_sync "$series" "$tag" "$tree"
	stage "tree: $tree at $(git -C "$tree" log --oneline -1)"
}

# Write SERIES back from TREE's "work" branch: one patch per commit since
# the base tag TAG, with subject prefix PREFIX ("PATCH"), a cover letter
# whose hand-written part is kept, and SERIES/series listing the order.
# Stable output: zero commit hashes, no version signature, and dates that
# come from the commits.
#
# usage: series_from_tree TREE TAG SERIES PREFIX
series_from_tree() {
	local tree=$1 tag=$2 series=$3 prefix=$4
	local n desc last_date tmp

	git -C "$tree" diff --quiet HEAD || die "$tree has uncommitted changes: commit them first"
	n=$(git -C "$tree" rev-list --count "$tag..HEAD")
	[ "$n" -gt 0 ] || die "no commits on top of $tag in $tree"

	desc=$tree/.git/cover-description
	if [ -e "$series/0000-cover-letter.patch" ]; then
		"$REPO_DIR/scripts/cover-letter.sh" extract "$series/0000-cover-letter.patch" >"$desc"
	fi
	[ -s "$desc" ] || printf '%s\n\n%s\n' "*** SUBJECT HERE ***" "*** BLURB HERE ***" >"$desc"
	git -C "$tree" config branch.work.description "$(cat "$desc")"

	tmp=$(mktemp -d)
	# tmp is local: expand it now, the trap runs after the return
	trap "rm -rf '$tmp'" EXIT
	git -C "$tree" -c core.abbrev=12 format-patch -q -o "$tmp" --cover-letter \
		--cover-from-description=subject --zero-commit --no-signature \
		--base="$tag" --subject-prefix="$prefix" "$tag..HEAD"
	# The cover letter's date is the newest patch's, not the time of export.
	last_date=$(git -C "$tree" log -1 --format='%aD' HEAD)
	sed -i "s/^Date: .*/Date: $last_date/" "$tmp/0000-cover-letter.patch"

	mkdir -p "$series"
	rm -f "$series"/*.patch
	cp "$tmp"/*.patch "$series/"
	(cd "$series" && ls [0-9]*.patch | grep -v '^0000-' >series)
	mark_tree_in_sync "$series" "$tag" "$tree"
	stage "exported $n patches to $series"
}

# Configure build directory OUT: make BASE_TARGET (tinyconfig,
# allnoconfig, defconfig), merge the fragments, olddefconfig, check that
# every option stuck. Skipped when OUT's .config came from the same
# target, fragments and make arguments.
# usage: make_config NAME OUT BASE_TARGET FRAGMENT... [-- MAKE_ARG...]
make_config() {
	local name=$1 out=$2 target=$3 frags=() stamp
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		frags+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	mkdir -p "$out"
	stamp=$({ echo "$target $*"; cat "${frags[@]}"; } | sha256sum | cut -d' ' -f1)
	if [ -e "$out/.config" ] && [ "$(cat "$out/.config-stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	stage "configuring $name: $target + $(printf '%s ' "${frags[@]##*/}")"
	make -s -C "$TREE_DIR" O="$out" "$@" "$target" >/dev/null
	"$TREE_DIR/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"${frags[@]}" >"$out/merge_config.log"
	make -s -C "$TREE_DIR" O="$out" "$@" olddefconfig >/dev/null
	check_config_stuck "$name" "$out/.config" "${frags[@]}"
	echo "$stamp" >"$out/.config-stamp"
}

# Every CONFIG_X=v the fragments ask for must be in the .config, every
# CONFIG_X=n must be unset; die naming the ones that did not stick.
# usage: check_config_stuck NAME DOTCONFIG FRAGMENT...
check_config_stuck() {
	local name=$1 config=$2 line opt bad=()
	shift 2
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n)
			opt=${line%%=*}
			grep -q "^$opt=" "$config" && bad+=("$line")
			;;
		CONFIG_*=*)
			grep -qxF "$line" "$config" || bad+=("$line")
			;;
		esac
	done < <(cat "$@")
	[ ${#bad[@]} -eq 0 ] ||
		die "$name config: options that did not stick: ${bad[*]}"
}

# The kernel .c files the series changes (not tools/ or Documentation/).
series_kernel_files() {
	git -C "$TREE_DIR" diff --name-only "$1..work" -- '*.c' \
		':!tools' ':!Documentation' ':!samples'
}

# Run "$@" once with the tree at the base tag and once at the series' head,
# writing stdout+stderr to $2.base and $2.series; print the lines only the
# series has (line and column numbers dropped, so moved code compares).
# usage: compare_base_series TAG OUTPREFIX cmd...
compare_base_series() {
	local tag=$1 prefix=$2 rev
	shift 2
	git -C "$TREE_DIR" diff --quiet HEAD || die "$TREE_DIR has uncommitted changes"
	for rev in base series; do
		if [ $rev = base ]; then
			git -C "$TREE_DIR" checkout -q -f "$tag"
		else
			git -C "$TREE_DIR" checkout -q -f work
		fi
		"$@" >"$prefix.$rev" 2>&1 || true
	done
	git -C "$TREE_DIR" checkout -q -f work
	for rev in base series; do
		sed -E 's/:[0-9]+(:[0-9]+(-[0-9]+)?)?:/:/; s/\b(line|lines) [0-9]+/\1 N/g' \
			"$prefix.$rev" | sort -u >"$prefix.$rev.norm"
	done
	comm -13 "$prefix.base.norm" "$prefix.series.norm"
}

# Build, in the build directory OUT with the make arguments that follow,
# the directories that hold the kernel .c files the series changes (base
# tag TAG); print the warning and error lines, then "make status: N".
# usage: build_series_dirs TAG OUT MAKEARG...
build_series_dirs() {
	local tag=$1 out=$2 dirs
	shift 2
	mapfile -t dirs < <(series_kernel_files "$tag" | xargs -r -n1 dirname |
		sort -u | sed 's|$|/|')
	make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" "$@" "${dirs[@]}" 2>&1 |
		grep -E 'warning|error'
	echo "make status: ${PIPESTATUS[0]}"
}

# The lint build check NAME: build_series_dirs at the base and at the
# series (logs $CACHE_DIR/logs/lint-NAME.*); both must build, and the
# series may add no warning.
# usage: lint_build_compare NAME TAG OUT MAKEARG...
lint_build_compare() {
	local name=$1 tag=$2 out=$3 prefix=$CACHE_DIR/logs/lint-$1 new rev
	shift 3
	mkdir -p "$CACHE_DIR/logs"
	new=$(compare_base_series "$tag" "$prefix" build_series_dirs "$tag" "$out" "$@")
	for rev in base series; do
		grep -qx 'make status: 0' "$prefix.$rev" ||
			die "$name: the $rev does not build (log: $prefix.$rev)"
	done
	if [ -n "$new" ]; then
		echo "$new"
		die "$name: new warnings (logs: $prefix.*)"
	fi
	stage "$name: no new warnings ($(grep -vc '^make status' "$prefix.base.norm") in the base)"
}

# Write the patch files that follow as one mbox on stdout, each message
# with To: TO and, unless CC is empty, Cc: CC after its Subject:.
# usage: write_mbox TO CC PATCH...
write_mbox() {
	local to=$1 cc=$2 p
	shift 2
	for p in "$@"; do
		# Insert the headers before the first blank line.
		awk -v to="$to" -v cc="$cc" '
			!done && /^$/ { print "To: " to; if (cc != "") print "Cc: " cc; done = 1 }
			{ print }
		' "$p"
	done
}

# Make DIR a git repository holding its files as one commit tagged TAG,
# authored and dated from the package (IDENTITY "Name <mail>", DATE in
# seconds since the epoch), so that every machine importing the same
# package gets the same hash.
# usage: git_import_dir DIR TAG IDENTITY DATE SUBJECT BODY
git_import_dir() {
	local dir=$1 tag=$2 ident=$3 date=$4 subject=$5 body=$6
	local name=${ident% <*} mail=${ident##*<}
	mail=${mail%>}
	(
		cd "$dir"
		git init -q -b base
		git config core.autocrlf false
		git config gc.auto 0
		git add -A -f .
		GIT_AUTHOR_NAME=$name GIT_COMMITTER_NAME=$name \
		GIT_AUTHOR_EMAIL=$mail GIT_COMMITTER_EMAIL=$mail \
		GIT_AUTHOR_DATE="@$date +0000" GIT_COMMITTER_DATE="@$date +0000" \
			git commit -q -m "$subject" -m "$body"
		git tag "$tag"
	)
}

# Write WORK/initramfs.cpio.gz for vm-run.sh and uml-run.sh: it runs
# COMMAND in /work, which holds the contents of each DIR.
# usage: guest_initramfs WORK [DIR...] -- COMMAND [ARG...]
guest_initramfs() {
	local work=$1 dirs=()
	shift
	while [ "$1" != -- ]; do
		dirs+=("$1")
		shift
	done
	shift
	{
		echo "#!/bin/sh"
		printf '%q ' "$@"
		echo
	} >"$work/cmd"
	"$REPO_DIR/scripts/mkinitramfs.sh" "$work/initramfs.cpio.gz" "$work/cmd" "${dirs[@]}"
}

# End a guest run (vm-run.sh, uml-run.sh): print the command's output from
# the console log and exit with the command's status; 126 if the log has
# a kernel report, checked first, since a hang the hung-task, soft-lockup
# or RCU-stall detector reported would otherwise only show as a timeout;
# 124 on a timeout; 125 if the guest never finished the command.
# usage: guest_exit NAME LOG RUNNER_STATUS TIMEOUT
guest_exit() {
	local name=$1 log=$2 rc=$3 timeout=$4 status
	# The console carries \r\n line ends.
	sed -i 's/\r$//' "$log"
	sed -n '/clone-files-vm: running command$/,/^clone-files-vm: exit status/p' "$log" | sed '1d'
	"$REPO_DIR/scripts/scan-guest-log.sh" "$log" || exit 126
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "$name: timed out after ${timeout}s (log: $log)" >&2
		exit 124
	fi
	status=$(sed -n 's/^clone-files-vm: exit status \([0-9]*\)$/\1/p' "$log" | tail -1)
	if [ -z "$status" ]; then
		echo "$name: the guest did not finish the command (log: $log)" >&2
		tail -30 "$log" >&2
		exit 125
	fi
	exit "$status"
}

# Print the closing "N passed, N failed, N skipped" line of a test run in
# the VM, from the guest's own SUMMARY line ("N passed, N failed[, N
# skipped]", empty if it never printed one) and vm-run.sh's status: a
# kernel report (126), a run that never reported, or a failed run that
# counted no failure each add one failure, and so does every skip. Returns
# non-zero on failure.
# usage: vm_summary VM_STATUS SUMMARY
vm_summary() {
	local rc=$1 summary=$2 passed=0 failed=0 skipped=0
	[ -n "$summary" ] && read -r passed _ failed _ skipped _ <<<"${summary//,/}"
	: "${skipped:=0}"
	if [ "$rc" = 126 ]; then
		echo "kernel report in the guest log: counted as a failure"
		failed=$((failed + 1))
	elif [ -z "$summary" ]; then
		echo "the VM run did not report (status $rc): counted as a failure"
		failed=$((failed + 1))
	elif [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
		echo "the VM run failed (status $rc): counted as a failure"
		failed=$((failed + 1))
	fi
	# the gate kernels have what every test needs: a skip hides a hole
	if [ "$skipped" != 0 ]; then
		echo "$skipped skipped: each counted as a failure"
		failed=$((failed + skipped))
	fi
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}

# Install the Debian packages (from bookworm) that are not installed yet.
# usage: ensure_packages PKG...
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	stage "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# Install Debian packages by name from SUITE (trixie-backports), which
# setup-host.sh pins low so that only packages named this way come from
# it; those already installed are left alone.
# usage: ensure_packages_from SUITE PKG...
ensure_packages_from() {
	local suite=$1 p
	shift
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" && continue
		stage "installing $p from $suite"
		DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq \
			--no-install-recommends "$p/$suite" >/dev/null ||
			die "cannot install $p from $suite (is the suite reachable?)"
	done
}

# Print the directory to put after the uapi headers with -isystem so that
# <io_uring/mini_liburing.h> (the raw-syscall ring helpers of the io_uring
# kselftests, which progs/ and stress/ build on) is found: the tree's
# tools/include, or, while the tree is checked out elsewhere (the base, for
# a baseline build), a copy of the header from the series branch under $1.
# usage: mini_liburing_dir SCRATCH-DIR
mini_liburing_dir() {
	local inc=$TREE_DIR/tools/include
	local hdr=tools/include/io_uring/mini_liburing.h
	# the base has a mini_liburing.h too, without the file registration
	if [ "$(git -C "$TREE_DIR" rev-parse HEAD 2>/dev/null)" != \
	     "$(git -C "$TREE_DIR" rev-parse work 2>/dev/null)" ]; then
		inc=$1/include
		mkdir -p "$inc/io_uring"
		git -C "$TREE_DIR" show "work:$hdr" >"$inc/io_uring/mini_liburing.h" ||
			die "no $hdr on the work branch of $TREE_DIR (make tree)"
	fi
	echo "$inc"
}

# The stages of the optional patches: one "N REV" line each, from the core
# (the patch before the cover letter's first optional one) to the whole
# series, REV the working tree's commit with patches 1 to N. Creates
# STAGES_TREE, a worktree of TREE_DIR that is checked out at each stage in
# turn and built into STAGES_BUILD (make bench-stages, make check-stages).
STAGES_TREE=$CACHE_DIR/stages/linux   # the same depth as TREE_DIR, for ccache
STAGES_BUILD=$CACHE_DIR/stages/build
stage_revs() {
	local tag opt total n
	tag=$("$REPO_DIR/scripts/base.sh")
	opt=$(first_optional "$REPO_DIR/series")
	[ -n "$opt" ] || die "the cover letter names no optional patch"
	total=$(git -C "$TREE_DIR" rev-list --count "$tag..work")
	[ -d "$STAGES_TREE" ] ||
		git -C "$TREE_DIR" worktree add -q --detach "$STAGES_TREE" work
	for n in $(seq $((opt - 1)) "$total"); do
		echo "$n $(git -C "$TREE_DIR" rev-parse "work~$((total - n))")"
	done
}
