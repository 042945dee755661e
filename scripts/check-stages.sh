#!/usr/bin/env bash
# make check-stages: make check and make stress on the tree at each
# optional patch but the last, so that every patch is proven with those
# below it (the whole series is make check's and make stress's, the core
# CORE=1's). Each stage's debug kernel and kselftests are built from the
# stages worktree into directories of their own (stage_revs in lib.sh).
# Prints each run's summary (its output in $CACHE_DIR/logs), then their
# sum, "N passed, N failed, N skipped"; exits non-zero on any failure. Not
# in CI: per stage, an incremental debug build, the kselftests and the
# stress programs (16 minutes for two stages warm).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO_DIR/scripts/tree.sh"
mapfile -t stages < <(stage_revs)
[ "${#stages[@]}" -gt 2 ] || die "no optional patch below the last one"
mkdir -p "$CACHE_DIR/logs"
export TREE_DIR=$STAGES_TREE BUILD_DIR=$STAGES_BUILD
passed=0 failed=0 skipped=0
for s in "${stages[@]:1:${#stages[@]}-2}"; do
	n=${s%% *}
	git -C "$STAGES_TREE" checkout -q --detach "${s#* }"
	stage "stage $n: $(git -C "$STAGES_TREE" log -1 --format=%s)"
	"$REPO_DIR/scripts/build-kernel.sh" debug
	"$REPO_DIR/scripts/build-selftests.sh" debug
	for run in run-selftests.sh run-stress.sh; do
		log=$CACHE_DIR/logs/stages-$n-${run%.sh}.out
		line=$("$REPO_DIR/scripts/$run" 2>&1 | tee "$log" | tail -1) || true
		echo "stage $n, $run: $line (output: $log)"
		read -r p _ f _ k _ <<<"${line//,/} 0 x"
		[[ "$p" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ ]] || { p=0 f=1 k=0; }
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${k:-0}))
	done
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
