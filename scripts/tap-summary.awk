# Count the test cases in kselftest TAP output (run_kselftest.sh) and print
# "N passed, N failed, N skipped". Cases are the harness's own results one
# level down ("# ok 3 fixture.variant.test"); a test program that dies or
# times out before reporting all of its planned cases counts its missing
# cases, or itself, as failed.
#
# usage: awk -f tap-summary.awk OUTPUT; exits 1 on any failure or no case.

function close_prog(top_failed) {
	missing = plan - seen
	if (missing > 0) {
		failed += missing
		printf "missing %d of %d results of %s\n", missing, plan, prog
	} else if (top_failed && !prog_failed) {
		failed++
		printf "not ok: %s\n", prog
	}
	plan = seen = prog_failed = 0
}

/^# 1\.\.[0-9]+/ { sub(/^# 1\.\./, ""); plan = $0 + 0; next }
/^# (not )?ok [0-9]+ / {
	seen++
	if ($0 ~ /# SKIP/)
		skipped++
	else if ($0 ~ /^# not ok/) {
		failed++; prog_failed = 1
		print substr($0, 3)
	} else
		passed++
	next
}
/^(not )?ok [0-9]+ selftests: / {
	prog = $0; sub(/^(not )?ok [0-9]+ selftests: /, "", prog)
	if (!plan && $0 ~ /# SKIP/) { skipped++; plan = seen = 0; next }
	close_prog($0 ~ /^not ok/)
	next
}
END {
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit (failed > 0 || passed + failed == 0)
}
