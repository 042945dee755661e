#!/usr/bin/env bash
# Build the stress programs (stress/) into $BUILD_DIR/stress, with the
# guest script run-all.sh that runs them all in one boot, each killed at
# its cap, and sums their closing lines into "stress total: N passed, N
# failed, N skipped" (see run-stress.sh for the rules it counts by).
#
# usage: build-stress.sh [EXTRA_FUZZ_ARGS...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

hdrs=$BUILD_DIR/debug/usr/include
out=$BUILD_DIR/stress
[ -d "$hdrs/linux" ] || die "no headers in $hdrs: build the debug kernel first"
mkdir -p "$out"
tools_inc=$(mini_liburing_dir "$out")

stage "building the stress programs into $out"
make -s -C "$REPO_DIR/stress" OUT="$out" HDRS="$hdrs" TOOLS_INC="$tools_inc"

# The guest side: each program's output goes to the console as it runs;
# its closing line is summed.
{
	echo '#!/bin/sh'
	printf 'fuzz_args="%s"\n' "$*"
	cat <<'GUEST'
passed=0 failed=0 skipped=0
# "CAP_SECONDS COMMAND": each program is killed at its cap
for run in "600 ./fault-inject" "300 ./races -t 20" \
	   "120 ./fuzz -t 60 $fuzz_args" "90 ./fuzz-mt -t 30" "60 ./hostile" "60 ./limits"; do
	cap=${run%% *}
	cmd=${run#* }
	prog=${cmd%% *}
	prog=${prog#./}
	echo "==== $cmd (killed after $cap s)"
	t0=$(date +%s)
	{ timeout -s KILL "$cap" $cmd; echo $? >/tmp/$prog.rc; } 2>&1 |
		tee /tmp/$prog.out
	rc=$(cat /tmp/$prog.rc)
	echo "==== $prog: exit status $rc, $(( $(date +%s) - t0 )) s"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/$prog.out | tail -1)
	if [ -z "$line" ]; then
		echo "==== $prog: no closing line: counted as a failure"
		failed=$((failed + 1))
		continue
	fi
	set -- $(echo "$line" | tr -d ',')
	passed=$((passed + $1))
	failed=$((failed + $3))
	if [ "$prog" = fault-inject ] && [ "${5:-0}" != 0 ]; then
		echo "==== $prog: $5 skipped: counted as failed"
		failed=$((failed + $5))
	else
		skipped=$((skipped + ${5:-0}))
	fi
	if [ "$rc" != 0 ] && [ "$3" = 0 ]; then
		echo "==== $prog: failed without a failed test: counted"
		failed=$((failed + 1))
	fi
done
echo "stress total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
GUEST
} >"$out/run-all.sh"
chmod +x "$out/run-all.sh"
