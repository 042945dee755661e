#!/usr/bin/env bash
# make fuzz: the fuzzers at length, natively under User-Mode Linux
# (scripts/build-uml.sh): stress/fuzz for FUZZ_CALLS calls (default a
# million) with each seed of FUZZ_SEEDS, then stress/fuzz-mt, the
# concurrent mode, for FUZZ_MT_SECONDS with each seed. First, stress/limits
# --full-table: a full 1 << 20-slot clone with the soft-lockup threshold at
# 2 s, on a kernel that cannot be preempted (UML), where the clone's
# cond_resched() calls are what keeps the detectors quiet. Every program
# prints its calls per second and errno mix; any unexpected result, a
# model mismatch or a kernel report (scan-guest-log.sh) fails the run.
# Not in CI: a million calls take minutes even natively.
#
# usage: run-fuzz.sh   (FUZZ_SEEDS, FUZZ_CALLS, FUZZ_MT_SECONDS, FUZZ_MT_JOBS
#                       from the environment)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

seeds=${FUZZ_SEEDS:-0xc10e5eed 1 2 3}
calls=${FUZZ_CALLS:-1000000}
mt_secs=${FUZZ_MT_SECONDS:-120}
mt_jobs=${FUZZ_MT_JOBS:-4}

"$REPO_DIR/scripts/tree.sh"
"$REPO_DIR/scripts/build-uml.sh"
out=$BUILD_DIR/fuzz
hdrs=$BUILD_DIR/fuzz-headers
mkdir -p "$out"
# The uapi headers of the patched tree; headers_install needs no .config.
make -s -C "$TREE_DIR" O="$hdrs" headers_install
tools_inc=$(mini_liburing_dir "$out")
stage "building the fuzzers into $out"
make -s -C "$REPO_DIR/stress" OUT="$out" HDRS="$hdrs/usr/include" TOOLS_INC="$tools_inc" \
	"$out/fuzz" "$out/fuzz-mt" "$out/limits"

cat >"$out/run-fuzz.sh" <<GUEST
#!/bin/sh
passed=0 failed=0
# one fuzzer run: its exit status, its output, counted by its closing line
run() {
	"\$@" >/tmp/out 2>&1
	echo "\$*: exit \$?"
	cat /tmp/out
	if grep -q '^1 passed, 0 failed' /tmp/out; then
		passed=\$((passed + 1))
	else
		failed=\$((failed + 1))
	fi
}
# the largest clone there is, where nothing preempts the kernel
run ./limits --full-table
for s in $seeds; do run ./fuzz -s \$s -n $calls -t 0; done
for s in $seeds; do run ./fuzz-mt -s \$s -t $mt_secs -j $mt_jobs; done
echo "fuzz total: \$passed passed, \$failed failed"
[ \$failed = 0 ]
GUEST
chmod +x "$out/run-fuzz.sh"

log=$CACHE_DIR/logs/fuzz-console.log
res=$CACHE_DIR/logs/fuzz.out
stage "fuzzing under UML: $calls calls per seed, seeds $seeds; fuzz-mt $mt_secs s per seed (console log: $log)"
set +e
"$REPO_DIR/scripts/uml-run.sh" --dir "$out" --log "$log" --timeout 7200 \
	-- ./run-fuzz.sh 2>&1 | tee "$res"
rc=${PIPESTATUS[0]}
set -e
vm_summary "$rc" "$(sed -n 's/^fuzz total: //p' "$res" | tail -1)"
