#!/usr/bin/env bash
# Fail (exit 1, naming the lines) when a guest console log holds a kernel
# report: BUG, WARNING, KASAN, lockdep, kmemleak, Oops or panic.
#
# usage: scan-guest-log.sh LOG
set -euo pipefail

log=${1:?usage: scan-guest-log.sh LOG}
patterns=(
	'BUG:'
	'WARNING:'
	'KASAN:'
	'possible recursive locking'
	'circular locking'
	'inconsistent lock state'
	'possible irq lock inversion'
	'suspicious RCU usage'
	'unreferenced object 0x'
	'Oops'
	'Kernel panic'
	'general protection fault'
	'Call Trace:'
)
regex=$(IFS='|'; echo "${patterns[*]}")
if grep -nE "$regex" "$log" >/tmp/scan.$$ 2>/dev/null; then
	echo "kernel reports in $log:" >&2
	head -20 /tmp/scan.$$ >&2
	rm -f /tmp/scan.$$
	exit 1
fi
rm -f /tmp/scan.$$
