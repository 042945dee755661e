#!/usr/bin/env bash
# Fail (exit 1, naming the lines) when a guest console log holds a kernel
# report: BUG, WARNING, KASAN, UBSAN, KCSAN, lockdep, kmemleak, a hung
# task, a soft lockup, an RCU stall, Oops or panic.
#
# With KCSAN_SYMS set to a file of function names (one per line: those
# of io_uring/ for the KCSAN flavour), a KCSAN report counts only if one
# of its frames is such a function: the rest of the kernel has data races
# of its own that this series cannot fix.
#
# usage: [KCSAN_SYMS=FILE] scan-guest-log.sh LOG
set -euo pipefail

log=${1:?usage: scan-guest-log.sh LOG}
if [ -n "${KCSAN_SYMS:-}" ]; then
	# A report is the block between two lines of '='; a frame line is
	# " func+0xOFF/0xLEN".
	filtered=$(mktemp)
	trap 'rm -f "$filtered"' EXIT
	awk -v syms="$KCSAN_SYMS" '
		BEGIN { while ((getline f <syms) > 0) named[f] = 1 }
		function flush() {
			if (n && !(kcsan && !ours))
				for (i = 1; i <= n; i++) print buf[i]
			n = kcsan = ours = 0
		}
		/^=+$/ && length($0) >= 40 { if (inblock) { buf[++n] = $0; inblock = 0; flush(); next }
			     inblock = 1 }
		!inblock { print; next }
		{ buf[++n] = $0 }
		/KCSAN:/ { kcsan = 1 }
		match($0, /^ *[A-Za-z0-9_.]+\+0x/) {
			f = substr($0, RSTART, RLENGTH - 3); sub(/^ */, "", f)
			sub(/\..*/, "", f)
			if (f in named) ours = 1
		}
		END { flush() }
	' "$log" >"$filtered"
	log=$filtered
fi
patterns=(
	'BUG:'
	'WARNING:'
	'KASAN:'
	'UBSAN:'
	'KCSAN:'
	'blocked for more than [0-9]+ seconds'
	'soft lockup'
	'rcu: INFO: .*detected stall'
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
