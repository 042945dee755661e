#!/usr/bin/env bash
# make liburing-clone-check, the liburing gate CI can afford cold: the
# series' own liburing test (clone-files.t) and liburing's tests of the
# code the kernel series changes (file registration and update, buffer
# cloning, register and task restrictions, the register syscall) on the
# patched debug kernel (KASAN, lockdep). Every one must pass; a skip, a
# failure, a timeout or a kernel report is a failure. The whole-suite
# comparison with the base is make liburing-check (not in CI: it needs
# the perf kernel, about 25 minutes more on a fresh machine).
# Ends with "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tests=(clone-files.t regbuf-clone.t file-register.t file-update.t
	fixed-link.t io_uring_register.t register-restrictions.t task-restrict.t)
"$REPO_DIR/scripts/build-liburing-tests.sh"
res=$CACHE_DIR/logs/liburing-clone-check.tsv
rm -f "$res"
"$REPO_DIR/scripts/run-liburing-suite.sh" debug "$res" "${tests[@]}" ||
	{ echo "0 passed, ${#tests[@]} failed"; exit 1; }
passed=0 failed=0
for t in "${tests[@]}"; do
	status=$(awk -F'\t' -v t="$t" '$1 == t { print $2 }' "$res")
	if [ "$status" = pass ]; then
		passed=$((passed + 1))
	else
		echo "liburing: $t: ${status:-no result}"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
