#!/usr/bin/env bash
# make stable-check (not in CI): the series' first patch, the buffer-clone
# relock fix, as distro kernels would carry it, on each stable branch:
# Debian's linux-source-X.Y unpacked into $CACHE_DIR/stable-X.Y (a git
# repository, tag base-<version>, like scripts/base.sh's), built as the
# debug kernel of make check (tinyconfig + configs/boot.config +
# configs/debug.config) in $BUILD_DIR/stable-X.Y, booted under QEMU once
# without the backport and once with it (branch "backport" = base + the
# patch, git am). Per kernel:
#
#   window    stable/buffer-clone-window.c, built statically against the
#             branch's uapi headers. Without the backport it must fail the
#             way the branch does (below); with it, it must pass.
#   liburing  liburing's test/regbuf-clone.t (the workbench's liburing
#             build): must pass on both, with no kernel report.
#
# How an unfixed branch fails the window test:
#   errno    no IORING_REGISTER_DST_REPLACE (6.12): the clone returns 0 in
#            both cases (not -EEXIST, not -EACCES); no kernel report.
#   lockdep  DST_REPLACE (6.13 on): also the clone into the enabled
#            DEFER_TASKRUN ring posts a tag CQE from the wrong task, and
#            the guest log has a WARNING in io_uring/ (vm-run status 126).
#
# The patch is stable/X.Y/*.patch, or the series' first patch where the
# branch takes it unchanged (stable/README.md); a backport's message must
# be the mainline patch's (a check of its own, so that a change to the
# mainline patch is not left out of it). Every kernel build runs
# under flock $KERNEL_BUILD_LOCK. Ends with "N passed, N failed"; exits
# non-zero on a failure.
#
# usage: stable-check.sh [X.Y...]   (default: every branch below)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# branch, source package (/suite: from that suite, by name), unfixed failure
BRANCHES=(
	"6.12 linux-source-6.12 errno"
	"7.2 linux-source-7.2/trixie-backports lockdep"
)
: "${KERNEL_BUILD_LOCK:=/tmp/kernel-build.lock}"
LOGS=$CACHE_DIR/logs
mkdir -p "$LOGS"
passed=0 failed=0 times=()

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# The kernel of TREE in $BUILD_DIR/NAME, under the build lock; the build's
# own time (not the wait for the lock) is appended to times[].
build() {
	local tree=$1 name=$2 what=$3 t=$LOGS/$2.build-seconds
	stage "$name ($what): waiting for $KERNEL_BUILD_LOCK"
	TREE_DIR=$tree flock "$KERNEL_BUILD_LOCK" bash -c \
		's=$SECONDS; "$@" && echo $((SECONDS - s)) >"$0"' "$t" \
		"$REPO_DIR/scripts/build-kernel.sh" debug "$name" || return 1
	times+=("$name $what: $(($(cat "$t") / 60)) min $(($(cat "$t") % 60)) s")
}

# Boot kernel NAME, run COMMAND in DIR there; output in LOG.out, console in
# LOG.console; returns vm-run.sh's status.
vm() {
	local name=$1 dir=$2 log=$3
	shift 3
	"$REPO_DIR/scripts/vm-run.sh" --kernel "$name" --dir "$dir" --timeout 600 \
		--log "$log.console" -- "$@" >"$log.out" 2>&1
}

# The window test without the backport: it must fail the way KIND says.
check_unfixed() {
	local b=$1 kind=$2 log=$3 rc=$4 ok=1 errs
	errs=$(grep -E '^not ok [12] buffers_dst_(enabled|restricted): the clone returned 0 ' "$log.out" || true)
	[ "$(grep -c . <<<"$errs")" = 2 ] || ok=0
	case $kind in
	errno) [ "$rc" = 1 ] || ok=0 ;;
	lockdep)
		# the tag's CQE posted by the clone, from the clone's thread
		[ "$rc" = 126 ] || ok=0
		grep -A40 -E 'WARNING:.*io_uring/' "$log.console" |
			grep -E 'WARNING:|io_post_aux_cqe|io_register_clone_buffers' >"$log.warning" || true
		grep -q io_post_aux_cqe "$log.warning" &&
			grep -q io_register_clone_buffers "$log.warning" || ok=0
		errs+=$'\n'$(cat "$log.warning")
		;;
	esac
	if [ $ok = 1 ]; then
		pass "$b without the backport: the window test fails as expected ($kind):"
		sed 's/^/    /' <<<"$errs"
	else
		fail "$b without the backport: the window test did not fail the $kind way (status $rc, $log.*)"
		tail -5 "$log.out"
	fi
}

# The window test with the backport, or regbuf-clone.t on either: status 0.
check_passes() {
	local what=$1 log=$2 rc=$3
	if [ "$rc" = 0 ]; then
		pass "$what: $(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log.out" ||
			echo "exit status 0")"
	else
		fail "$what (status $rc, $log.*)"
		tail -5 "$log.out"
	fi
}

# A backport's message is the mainline patch's, after the "commit ...
# upstream." line: print the lines where they differ (empty if they agree).
message_drift() {
	local body='/^$/ && !b { b = 1; next } b && /^---$/ { exit } b'
	diff <(awk "$body" "$2") <(awk "$body" "$1" | sed '1{/^commit .* upstream\.$/d}' | sed '1{/^$/d}') |
		grep '^[<>]' || true
}

"$REPO_DIR/scripts/build-liburing-tests.sh"
regbuf=$BUILD_DIR/stable-regbuf-clone
rm -rf "$regbuf"
mkdir -p "$regbuf"
cp "$BUILD_DIR/liburing-tests/regbuf-clone.t" "$regbuf/"

for entry in "${BRANCHES[@]}"; do
	read -r b pkg kind <<<"$entry"
	[ $# -eq 0 ] || [[ " $* " == *" $b "* ]] || continue
	case $pkg in
	*/*) ensure_packages_from "${pkg#*/}" "${pkg%/*}" ;;
	*) ensure_packages "$pkg" ;;
	esac
	tree=$CACHE_DIR/stable-$b name=stable-$b
	tag=$(BASE_DIR=$tree "$REPO_DIR/scripts/base.sh" "${pkg%/*}")
	patch=$(ls "$REPO_DIR/stable/$b/"*.patch 2>/dev/null || series_patches "$REPO_DIR/series" | sed -n 1p)
	stage "$b: $tag, backport ${patch#"$REPO_DIR/"}"
	mainline=$(series_patches "$REPO_DIR/series" | sed -n 1p)
	if [ "$patch" != "$mainline" ]; then
		drift=$(message_drift "$patch" "$mainline")
		if [ -z "$drift" ]; then
			pass "$b: the backport's message is the mainline patch's"
		else
			fail "$b: the backport's message differs from ${mainline##*/}: rebase it"
			head -5 <<<"$drift"
		fi
	fi
	testdir=$BUILD_DIR/$name-window
	for state in unfixed fixed; do
		if [ $state = unfixed ]; then
			git -C "$tree" checkout -q -f --detach "$tag"
		else
			git -C "$tree" checkout -q -f -B backport "$tag"
			GIT_COMMITTER_NAME=clone-files-stable GIT_COMMITTER_EMAIL=stable@clone-files.invalid \
				git -C "$tree" am -q --committer-date-is-author-date "$patch" || {
				git -C "$tree" am --abort
				fail "$b: ${patch##*/} does not apply to $tag"
				continue 2
			}
		fi
		if ! build "$tree" "$name" "$state"; then
			fail "$b: the $state kernel does not build"
			continue 2
		fi
		mkdir -p "$testdir"
		gcc -O2 -Wall -Werror -std=gnu11 -isystem "$BUILD_DIR/$name/usr/include" \
			-o "$testdir/buffer-clone-window" "$REPO_DIR/stable/buffer-clone-window.c" \
			-static -pthread

		log=$LOGS/$name-$state-window
		stage "$b $state: the buffer-clone relock-window test"
		rc=0
		vm "$name" "$testdir" "$log" ./buffer-clone-window || rc=$?
		if [ $state = unfixed ]; then
			check_unfixed "$b" "$kind" "$log" "$rc"
		else
			check_passes "$b with the backport: the window test" "$log" "$rc"
		fi

		log=$LOGS/$name-$state-regbuf-clone
		stage "$b $state: liburing's regbuf-clone.t"
		rc=0
		vm "$name" "$regbuf" "$log" ./regbuf-clone.t || rc=$?
		check_passes "$b $state: liburing regbuf-clone.t" "$log" "$rc"
	done
done

[ ${#times[@]} -eq 0 ] || printf 'build time: %s\n' "${times[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
