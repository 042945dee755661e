#!/usr/bin/env bash
# Run the installed io_uring kselftests inside the booted debug kernel and
# print one summary line counting the harness's test cases:
# "N passed, N failed, N skipped". A kernel report in the guest log counts
# as one more failure. Exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

inst=$BUILD_DIR/kselftest
out=$CACHE_DIR/logs/kselftest.out
mkdir -p "$CACHE_DIR/logs"
stage "running io_uring selftests in the VM"
set +e
"$REPO_DIR/scripts/vm-run.sh" --kernel debug --dir "$inst" \
	--log "$CACHE_DIR/logs/kselftest-console.log" \
	-- ./run_kselftest.sh -o 600 >"$out" 2>&1
vm_rc=$?
set -e
cat "$out"
summary=$(awk -f "$REPO_DIR/scripts/tap-summary.awk" "$out" | tail -1) || true
read -r passed _ failed _ skipped _ <<<"${summary//,/}"
if [ "$vm_rc" = 126 ]; then
	echo "kernel report in the guest log: counted as a failure"
	failed=$((failed + 1))
elif [ "$vm_rc" != 0 ] && [ "$failed" = 0 ]; then
	echo "the VM run failed (status $vm_rc): counted as a failure"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
