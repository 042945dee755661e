#!/usr/bin/env bash
# The regression gate: liburing's whole suite on the patched performance
# kernel, compared test by test with the recorded base results
# (liburing-results/base.tsv, refreshed by liburing-baseline.sh). The
# patched kernel must fail no test that passes on the base (a regression
# is run once more on its own before it counts), clone-files.t must pass
# on it and skip on the base. Ends with "N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$REPO_DIR/liburing-results/base.tsv
[ -e "$base" ] || die "no $base: run make liburing-baseline"
"$REPO_DIR/scripts/build-kernel.sh" perf
"$REPO_DIR/scripts/build-liburing-tests.sh"
patched=$CACHE_DIR/logs/liburing-perf.tsv
"$REPO_DIR/scripts/run-liburing-suite.sh" perf "$patched"

# base status, patched status, per test
join -t $'\t' -a1 -a2 -e missing -o 0,1.2,2.2 <(sort "$base") <(sort "$patched") \
	>"$CACHE_DIR/logs/liburing-compare.tsv"
mapfile -t regressed < <(awk -F'\t' '$2 == "pass" && $3 != "pass" { print $1 }' \
	"$CACHE_DIR/logs/liburing-compare.tsv" | grep -vx 'clone-files.t' || true)
if [ ${#regressed[@]} -gt 0 ]; then
	stage "running again on their own: ${regressed[*]}"
	retry=$CACHE_DIR/logs/liburing-retry.tsv
	set +e
	"$REPO_DIR/scripts/vm-run.sh" --kernel perf --dir "$BUILD_DIR/liburing-tests" \
		--timeout 1200 --log "$CACHE_DIR/logs/liburing-retry-console.log" \
		-- sh -c "PATH=\$PWD:\$PATH ./runtests.sh ${regressed[*]}" \
		>"$CACHE_DIR/logs/liburing-retry.out" 2>&1
	retry_rc=$?
	set -e
	# Only a retry run that finished without a kernel report can clear a
	# regression: runtests.sh exits 1 when a test failed, anything else
	# (126: a kernel report; a timeout; a VM that never reported) clears
	# nothing, and each test must pass in it.
	: >"$retry"
	case $retry_rc in
	0|1) awk -f "$REPO_DIR/scripts/liburing-results.awk" \
		"$CACHE_DIR/logs/liburing-retry.out" >"$retry" ;;
	*) echo "the retry run failed with status $retry_rc: no regression cleared" ;;
	esac
	mapfile -t regressed < <(printf '%s\n' "${regressed[@]}" |
		while read -r t; do
			grep -qP "^\Q$t\E\tpass$" "$retry" || echo "$t"
		done)
fi

failed=${#regressed[@]}
for t in "${regressed[@]}"; do echo "regression: $t"; done
clone=$(awk -F'\t' '$1 == "clone-files.t" { print $2 "/" $3 }' "$CACHE_DIR/logs/liburing-compare.tsv")
if [ "$clone" != "skip/pass" ]; then
	echo "clone-files.t: base/patched = ${clone:-missing}, expected skip/pass"
	failed=$((failed + 1))
fi
echo "tests whose result differs (test, base, patched):"
awk -F'\t' '$2 != $3 { print "  " $0 }' "$CACHE_DIR/logs/liburing-compare.tsv"
passed=$(awk -F'\t' '$2 == "pass"' "$patched" | wc -l)
skipped=$(awk -F'\t' '$2 == "skip"' "$patched" | wc -l)
other=$(awk -F'\t' '$2 == "fail" || $2 == "timeout"' "$patched" | wc -l)
echo "liburing on the patched kernel: $passed pass, $skipped skip, $other fail/timeout (all also failing on the base unless listed above)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
