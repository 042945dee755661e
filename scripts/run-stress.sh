#!/usr/bin/env bash
# Build the IORING_REGISTER_CLONE_FILES stress programs (stress/) into
# $BUILD_DIR/stress and run them all in ONE boot of the debug kernel:
# fault-inject, races, fuzz, fuzz-mt (concurrent), hostile, limits. Every
# program runs even if an earlier one fails. The output ends with one line
# summing their closing lines, "N passed, N failed[, N skipped]"; a kernel
# report in the guest log (KASAN, lockdep, WARNING, kmemleak, ...) or a
# program that died without its closing line counts as one more failure. A
# skip in fault-inject is a failure too: it has no reason to skip on this
# kernel. Exits non-zero on a failure.
#
# The kernel boots with slab_nomerge: fault-inject flags the kmalloc-cg
# caches (and, from patch 8 on, the io_rsrc_node cache) for failslab's
# cache filter through /sys/kernel/slab/*/failslab, which a merged cache
# refuses, and its counts assume that no other cache shares theirs.
#
# Time caps keep the whole run under about 14 minutes under TCG, also on a
# loaded machine: races stop each race after 20 s, fuzz after 60 s, fuzz-mt
# after 30 s; every program is killed at its own cap (a killed program has
# no closing line: a failure), and the VM at 1000 s.
#
# usage: run-stress.sh [EXTRA_FUZZ_ARGS...]   e.g. -s 0x1234 -n 5000
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO_DIR/scripts/build-stress.sh" "$@"
out=$BUILD_DIR/stress

log=$CACHE_DIR/logs/stress-console.log
res=$CACHE_DIR/logs/stress.out
mkdir -p "$CACHE_DIR/logs"
stage "running the stress programs in the VM (console log: $log)"
set +e
"$REPO_DIR/scripts/vm-run.sh" --kernel debug --dir "$out" --log "$log" \
	--append slab_nomerge --timeout 1000 -- ./run-all.sh 2>&1 | tee "$res"
vm_rc=${PIPESTATUS[0]}
set -e

total=$(sed -n 's/^stress total: //p' "$res" | tail -1)
stage "stress done"
vm_summary "$vm_rc" "$total"
