#!/usr/bin/env bash
# Prove that each kind of kernel report the gates rely on fails a VM run:
# provoke it through lkdtm on the debug kernel while the command itself
# succeeds, and expect vm-run's "kernel report" status (126). Each case
# also checks that the report's own line is in the guest log and that
# scan-guest-log.sh fails on that line alone, so no other line of the
# report (a Call Trace, say) is what catches it. Detectors that wait are
# made quick through their sysctls or boot arguments; the provoking write
# runs in the background, where it never returns (a spinning or a D-state
# task).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

lkdtm=/sys/kernel/debug/provoke-crash/DIRECT
# name|kernel arguments|guest command|the report's own line (grep -E)
# A spinning CPU can keep the guest from finishing its command: the soft
# lockup panics (softlockup_panic) so that the run ends at once.
cases=(
	"warning||echo WARNING >$lkdtm|WARNING: "
	"ubsan||echo ARRAY_BOUNDS >$lkdtm|UBSAN: array-index-out-of-bounds"
	"soft-lockup|watchdog_thresh=1 softlockup_panic=1|(echo SOFTLOCKUP >$lkdtm &); sleep 60|BUG: soft lockup"
	# lkdtm has no RCU stall of its own: its spinning task, preemption
	# off, blocks grace periods, and processes exiting on the other CPU
	# ask for one (their task_structs are freed through RCU).
	"rcu-stall|rcupdate.rcu_cpu_stall_timeout=3|echo 1 >/proc/sys/kernel/panic_on_rcu_stall; (echo SOFTLOCKUP >$lkdtm &); sleep 1; for i in \$(seq 100); do sh -c :; done; sleep 60|rcu: INFO: .*detected stall"
	"hung-task||echo 2 >/proc/sys/kernel/hung_task_timeout_secs; (echo HUNG_TASK >$lkdtm &); sleep 15|blocked for more than [0-9]+ seconds"
)

passed=0 failed=0
for c in "${cases[@]}"; do
	IFS='|' read -r name kargs cmd line <<<"$c"
	append=()
	for a in $kargs; do append+=(--append "$a"); done
	log=$CACHE_DIR/logs/log-scan-$name.log
	stage "provoking $name"
	set +e
	"$REPO_DIR/scripts/vm-run.sh" --kernel debug --timeout 300 --log "$log" "${append[@]}" \
		-- sh -c "$cmd; true" >/dev/null 2>&1
	rc=$?
	set -e
	why=
	if ! grep -qE "$line" "$log"; then
		why="no '$line' in $log"
	elif grep -E "$line" "$log" | "$REPO_DIR/scripts/scan-guest-log.sh" /dev/stdin >/dev/null 2>&1; then
		why="scan-guest-log.sh does not catch '$line' on its own"
	elif [ "$rc" != 126 ]; then
		why="vm-run exited $rc, not 126"
	fi
	if [ -z "$why" ]; then
		echo "ok $name"
		passed=$((passed + 1))
	else
		echo "not ok $name: $why"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
