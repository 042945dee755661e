#!/usr/bin/env bash
# make stress-kcsan: the race programs (stress/races) on the KCSAN flavour
# (configs/kcsan.config; KCSAN excludes KASAN, so it is a kernel of its
# own). A KCSAN report with a frame in io_uring/ fails the run, as does
# any other kernel report; KCSAN reports elsewhere in the kernel are not
# this series' (scan-guest-log.sh, KCSAN_SYMS). The guest first shows that
# KCSAN is on and passed its boot selftest, so a kernel without it cannot
# pass silently.
#
# usage: run-stress-kcsan.sh [SECONDS_PER_RACE]   (default 20)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

secs=${1:-20}
"$REPO_DIR/scripts/tree.sh"
"$REPO_DIR/scripts/build-kernel.sh" kcsan
kout=$BUILD_DIR/kcsan
out=$BUILD_DIR/stress-kcsan
mkdir -p "$out" "$CACHE_DIR/logs"
tools_inc=$(mini_liburing_dir "$out")
stage "building the race program into $out"
make -s -C "$REPO_DIR/stress" OUT="$out" HDRS="$kout/usr/include" TOOLS_INC="$tools_inc" "$out/races"

syms=$CACHE_DIR/logs/kcsan-io_uring.syms
nm --defined-only "$kout"/io_uring/*.o | awk '$2 ~ /^[tT]$/ { print $3 }' |
	sed 's/\..*//' | sort -u >"$syms"
[ -s "$syms" ] || die "no io_uring/ symbols in $kout"

log=$CACHE_DIR/logs/stress-kcsan-console.log
res=$CACHE_DIR/logs/stress-kcsan.out
stage "races on the KCSAN kernel, $secs s each (console log: $log)"
set +e
KCSAN_SYMS=$syms "$REPO_DIR/scripts/vm-run.sh" --kernel kcsan --dir "$out" \
	--log "$log" --timeout 900 -- sh -c \
	"dmesg | grep 'kcsan:'; cat /sys/kernel/debug/kcsan | head -1; ./races -t $secs" 2>&1 |
	tee "$res"
vm_rc=${PIPESTATUS[0]}
set -e
grep -q 'kcsan: selftest: \([0-9]*\)/\1 tests passed' "$res" ||
	die "KCSAN did not pass its boot selftest (log: $res)"
grep -qx 'enabled: 1' "$res" || die "KCSAN is not enabled in the guest (log: $res)"
vm_summary "$vm_rc" "$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$res" | tail -1)"
