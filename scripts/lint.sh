#!/usr/bin/env bash
# make lint: everything a maintainer, the kernel test robot and a distro
# builder check before running the series. Runs every check, then prints
# "N passed, N failed" and exits non-zero if any failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Each entry is a scripts/lint-*.sh script and its arguments.
checks=(checkpatch mbox bisect sparse cocci configs debian "arch i386"
	"arch arm64" uapi docs)
passed=0 failed=0
for c in "${checks[@]}"; do
	read -r -a cmd <<<"$c"
	if "$REPO_DIR/scripts/lint-${cmd[0]}.sh" "${cmd[@]:1}"; then
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
