#!/usr/bin/env bash
# Run liburing's whole test suite (static, from build-liburing-tests.sh),
# or the tests named, inside a booted kernel with its own runner and time
# limits, and write one "test<TAB>status" line per test to OUT.
#
# usage: run-liburing-suite.sh KERNEL-FLAVOUR OUT [TEST.t...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: run-liburing-suite.sh FLAVOUR OUT}
out=${2:?usage: run-liburing-suite.sh FLAVOUR OUT}
shift 2
tests=$BUILD_DIR/liburing-tests
[ -x "$tests/runtests.sh" ] || die "no liburing tests in $tests (scripts/build-liburing-tests.sh)"
mkdir -p "$CACHE_DIR/logs"
raw=$CACHE_DIR/logs/liburing-$flavour.out

if [ $# -gt 0 ]; then
	what="$*" min=$#
	stage "liburing tests on the $flavour kernel: $what"
else
	what='$(ls *.t | sort)' min=200
	stage "liburing suite on the $flavour kernel (TCG: about 20 minutes)"
fi
set +e
# runtests.sh writes "Running test NAME:" to /dev/kmsg too, which the
# console showed in the middle of the runner's own line, hiding a test's
# name from liburing-results.awk: printk.devkmsg=off drops such writes
# (runtests' own dmesg check then finds no marker and passes; kernel
# reports still reach the console, which vm-run.sh scans).
"$REPO_DIR/scripts/vm-run.sh" --kernel "$flavour" --dir "$tests" --timeout 3000 \
	--append printk.devkmsg=off \
	--log "$CACHE_DIR/logs/liburing-$flavour-console.log" \
	-- sh -c "PATH=\$PWD:\$PATH ./runtests.sh $what" >"$raw" 2>&1
rc=$?
set -e
awk -f "$REPO_DIR/scripts/liburing-results.awk" "$raw" >"$out"
n=$(wc -l <"$out")
[ "$n" -ge "$min" ] || die "only $n liburing test results (vm-run status $rc, see $raw)"
# runtests.sh fails when any test fails; a kernel report (126) or a VM
# that did not finish is what matters here.
case $rc in 0|1) ;; *) die "the VM run failed with status $rc (see $raw)" ;; esac
stage "liburing on $flavour: $(cut -f2 "$out" | sort | uniq -c | paste -sd' ')"
