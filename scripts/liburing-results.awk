# Turn liburing's runtests.sh output into "test<TAB>status" lines, status
# one of pass, fail, skip, timeout. A test's own output may come between
# "Running test NAME" and runtests' verdict; the first verdict counts.
#
# usage: awk -f liburing-results.awk RUNTESTS-OUTPUT

function verdict(s) {
	if (name != "") { printf "%s\t%s\n", name, s; name = "" }
}
{
	if (match($0, /Running test [^ ]+/)) {
		if (name != "") verdict("fail")	# no verdict: it died
		name = substr($0, RSTART + 13, RLENGTH - 13)
		rest = substr($0, RSTART + RLENGTH)
	} else {
		rest = $0
	}
	if (name == "") next
	if (rest ~ /Test skipped$/ || rest ~ /Skipped$/) verdict("skip")
	else if (rest ~ /timed out \(may not be a failure\)$/) verdict("timeout")
	else if (rest ~ /failed with ret [0-9]+$/ || rest ~ /expected fail status/ ||
		 rest ~ /failed dmesg check$/) verdict("fail")
	else if (rest ~ /(^|[ \t])[0-9]+ sec( \[[0-9]*\])?$/) verdict("pass")
}
END { if (name != "") verdict("fail") }
