#!/usr/bin/env bash
# make bench-stages: what each optional patch changes, the numbers of its
# commit message. For the core series and then each optional patch on top
# (the cover letter's "Optional:" line), the perf kernel of the tree at
# that patch (a worktree of the tree, built into a directory of its own),
# booted under TCG with -icount shift=0 and running clone-bench at two
# sizes. Writes bench/results/stages.{tsv,md}: guest instructions per
# file, one column per stage, from this one run.
#
# Environment: STAGES_N=4096,65536  STAGES_TARGET_MS=100
set -euo pipefail
. "$(dirname "$0")/lib.sh"

sizes=${STAGES_N:-4096,65536}
target=${STAGES_TARGET_MS:-100}
methods=clone,clone_empty,clone_replace,replace16,register,update_sparse,dup_fd
out=$REPO_DIR/bench/results

"$REPO_DIR/scripts/tree.sh"
mapfile -t stages < <(stage_revs)
"$REPO_DIR/scripts/build-progs.sh" perf
mkdir -p "$out"
tsv=$out/stages.tsv
printf 'stage\tmethod\tN\treps\tmedian_ns\tmin_ns\tmax_ns\tns_per_file\n' >"$tsv"
for s in "${stages[@]}"; do
	n=${s%% *}
	git -C "$STAGES_TREE" checkout -q --detach "${s#* }"
	TREE_DIR=$STAGES_TREE BUILD_DIR=$STAGES_BUILD "$REPO_DIR/scripts/build-kernel.sh" perf
	stage "stage $n: $(git -C "$STAGES_TREE" log -1 --format=%s)"
	"$REPO_DIR/scripts/vm-run.sh" --kernel "$STAGES_BUILD/perf/arch/x86/boot/bzImage" \
		--dir "$BUILD_DIR/progs-perf" --smp 1 --qemu-opt "-icount shift=0" \
		--log "$CACHE_DIR/logs/stages-$n-console.log" \
		-- ./clone-bench -n "$sizes" -m "$methods" -t "$target" |
		awk -F'\t' -v s="$n" 'NF == 7 && $2 ~ /^[0-9]+$/ { print s "\t" $0 }' >>"$tsv"
done

{
	echo "# What each optional patch changes"
	echo
	echo "\`make bench-stages\`, $(date -u '+%F %T UTC'): the perf kernel of the"
	echo "tree at each stage under TCG \`-icount shift=0\`, 1 vCPU, root cgroup;"
	echo "\`clone-bench -n $sizes -m $methods -t $target\`. Median guest"
	echo "instructions per file; stage ${stages[0]%% *} is the core series, stage N"
	echo "has patches 1 to N. \`stages.tsv\` is the raw output."
	echo
	for s in "${stages[@]}"; do
		echo "- stage ${s%% *}: $(git -C "$TREE_DIR" log -1 --format=%s "${s#* }")"
	done
	echo
	awk -F'\t' 'NR > 1 { v[$1, $2, $3] = $8; if (!($1 in s)) { s[$1] = 1; st[++ns] = $1 }
			if (!(($2, $3) in r)) { r[$2, $3] = 1; rows[++nr] = $2 SUBSEP $3 } }
		END { printf "| method | N |"; for (i = 1; i <= ns; i++) printf " %s |", st[i]
			printf "\n| --- | ---: |"; for (i = 1; i <= ns; i++) printf " ---: |"; printf "\n"
			for (j = 1; j <= nr; j++) { split(rows[j], mn, SUBSEP); printf "| %s | %s |", mn[1], mn[2]
				for (i = 1; i <= ns; i++) printf " %s |", v[st[i], mn[1], mn[2]]; printf "\n" } }' "$tsv"
} >"$out/stages.md"
stage "wrote $out/stages.tsv, $out/stages.md"
