#!/usr/bin/env bash
# Build the IORING_REGISTER_CLONE_FILES stress programs (stress/) into
# $BUILD_DIR/stress and run them all in ONE boot of the debug kernel:
# fault-inject, races, fuzz, hostile, limits. Every program runs even if an
# earlier one fails. The output ends with one line summing their closing
# lines, "N passed, N failed[, N skipped]"; a kernel report in the guest log
# (KASAN, lockdep, WARNING, kmemleak, ...) or a program that died without
# its closing line counts as one more failure. A skip in fault-inject is a
# failure too: it has no reason to skip on this kernel. Exits non-zero on a
# failure.
#
# The kernel boots with slab_nomerge: fault-inject flags the kmalloc-cg
# caches for failslab's cache filter through /sys/kernel/slab/*/failslab,
# which a merged cache refuses, and its counts assume that no other cache
# shares theirs.
#
# Time caps keep the whole run under about 14 minutes under TCG, also on a
# loaded machine: races stop each race after 20 s, fuzz after 60 s; every
# program is killed at its own cap (a killed program has no closing line:
# a failure), and the VM at 820 s.
#
# usage: run-stress.sh [EXTRA_FUZZ_ARGS...]   e.g. -s 0x1234 -n 5000
set -euo pipefail
. "$(dirname "$0")/lib.sh"

hdrs=$BUILD_DIR/debug/usr/include
out=$BUILD_DIR/stress
[ -d "$hdrs/linux" ] || die "no headers in $hdrs: build the debug kernel first"
mkdir -p "$out"
util=$(selftests_util_dir "$out")

stage "building the stress programs into $out"
make -s -C "$REPO_DIR/stress" OUT="$out" HDRS="$hdrs" UTIL="$util"

# The guest side: each program's output goes to the console as it runs;
# its closing line is summed.
{
	echo '#!/bin/sh'
	printf 'fuzz_args="%s"\n' "$*"
	cat <<'GUEST'
passed=0 failed=0 skipped=0
# "CAP_SECONDS COMMAND": each program is killed at its cap
for run in "300 ./fault-inject" "300 ./races -t 20" \
	   "120 ./fuzz -t 60 $fuzz_args" "60 ./hostile" "60 ./limits"; do
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

log=$CACHE_DIR/logs/stress-console.log
res=$CACHE_DIR/logs/stress.out
mkdir -p "$CACHE_DIR/logs"
stage "running the stress programs in the VM (console log: $log)"
set +e
"$REPO_DIR/scripts/vm-run.sh" --kernel debug --dir "$out" --log "$log" \
	--append slab_nomerge --timeout 900 -- ./run-all.sh 2>&1 | tee "$res"
vm_rc=${PIPESTATUS[0]}
set -e

total=$(sed -n 's/^stress total: //p' "$res" | tail -1)
stage "stress done"
vm_summary "$vm_rc" "$total"
