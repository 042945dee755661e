#!/usr/bin/env bash
# make lint: everything a maintainer, the kernel test robot and a distro
# builder check before running the series. Runs every check, then prints
# "N passed, N failed" and exits non-zero if any failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

checks=(checkpatch mbox bisect sparse cocci configs docs)
passed=0 failed=0
for c in "${checks[@]}"; do
	if "$REPO_DIR/scripts/lint-$c.sh"; then
		echo "lint: ok $c"
		passed=$((passed + 1))
	else
		echo "lint: FAILED $c"
		failed=$((failed + 1))
	fi
done
git -C "$TREE_DIR" checkout -q -f work 2>/dev/null
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
