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
vm_summary "$vm_rc" "$summary"
