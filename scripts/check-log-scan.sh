#!/usr/bin/env bash
# Prove that a real kernel report fails a VM run: make the debug kernel
# WARN through lkdtm while the command itself succeeds, and expect vm-run
# to fail with its "kernel report" status (126).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

stage "provoking a kernel WARNING through lkdtm"
set +e
"$REPO_DIR/scripts/vm-run.sh" --kernel debug --timeout 300 \
	--log "$CACHE_DIR/logs/log-scan-proof.log" \
	-- sh -c 'echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT; true' >/dev/null 2>&1
rc=$?
set -e
grep -q 'WARNING:' "$CACHE_DIR/logs/log-scan-proof.log" ||
	die "lkdtm did not WARN (is CONFIG_LKDTM in the debug kernel?)"
[ "$rc" = 126 ] || die "vm-run exited $rc on a guest log holding a WARNING, not 126"
stage "log scan: a kernel WARNING fails the run (vm-run exit 126)"
echo "1 passed, 0 failed"
