#!/usr/bin/env bash
# make coverage: line and branch coverage of the functions the series adds
# or changes, from one boot of the coverage flavour (the debug kernel with
# gcov on io_uring/, configs/coverage.config) running the io_uring
# kselftests, every stress program, and liburing's regbuf-clone,
# clone-files and file-register tests. The guest copies its .gcda
# files out through the console (tar, base64); gcov reads them next to the
# build's .gcno files; scripts/coverage-report.py writes coverage/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
"$REPO_DIR/scripts/build-kernel.sh" coverage
kout=$BUILD_DIR/coverage
"$REPO_DIR/scripts/build-selftests.sh" coverage
"$REPO_DIR/scripts/build-stress.sh"
# liburing's own tests of buffer and file cloning and of file
# registration: io_clone_buffers() and io_sqe_files_register() are the
# series' too (patches 2 and 8), and their error paths are liburing's
"$REPO_DIR/scripts/liburing-tree.sh"
"$REPO_DIR/scripts/build-liburing-tests.sh"
lt=(regbuf-clone.t clone-files.t file-register.t)

guest=$(mktemp -d)
trap 'rm -rf "$guest"' EXIT
cat >"$guest/run-coverage.sh" <<'GUEST'
#!/bin/sh
./run_kselftest.sh -o 600 >/tmp/kselftest.out 2>&1
echo "kselftests: $(grep -c '^ *ok ' /tmp/kselftest.out) ok, $(grep -c '^ *not ok ' /tmp/kselftest.out) not ok"
./run-all.sh >/tmp/stress.out 2>&1
# what failed, so that a total with failures says which and why
grep -E '^not ok|FAIL|^==== [a-z-]+: (exit status [1-9]|no closing line|.*counted)' /tmp/stress.out |
	head -40 | sed 's/^/stress: /'
grep '^stress total:' /tmp/stress.out
d=$PWD
for t in ./*.t; do
	(cd /tmp && "$d/$t" >/tmp/liburing.out 2>&1)
	echo "liburing ${t#./}: exit $?"
done
# debugfs gcov files report size 0: copy them with cat, not cp or tar
mkdir /tmp/gcda
for f in $(find /sys/kernel/debug/gcov -path '*/io_uring/*.gcda'); do
	cat "$f" >/tmp/gcda/"${f##*/}"
done
echo "==== gcda begin"
tar czf - -C /tmp/gcda . | base64
echo "==== gcda end"
GUEST
chmod +x "$guest/run-coverage.sh"
for t in "${lt[@]}"; do
	cp "$BUILD_DIR/liburing-tests/$t" "$guest/"
done

log=$CACHE_DIR/logs/coverage-console.log
res=$CACHE_DIR/logs/coverage.out
mkdir -p "$CACHE_DIR/logs"
stage "kselftests and stress on the coverage kernel (console log: $log)"
set +e
"$REPO_DIR/scripts/vm-run.sh" --kernel coverage --dir "$BUILD_DIR/kselftest" \
	--dir "$BUILD_DIR/stress" --dir "$guest" --append slab_nomerge \
	--log "$log" --timeout 2400 -- ./run-coverage.sh >"$res" 2>&1
vm_rc=$?
set -e
grep -E '^(kselftests|stress total|stress|liburing .*):' "$res" || true
[ "$vm_rc" = 0 ] || echo "coverage: the VM run exited $vm_rc (log: $log); reporting what it collected" >&2

find "$kout/io_uring" -name '*.gcda' -delete
sed -n '/^==== gcda begin$/,/^==== gcda end$/p' "$res" | sed '1d;$d' |
	base64 -d | tar xzf - -C "$kout/io_uring" ||
	die "coverage: no gcda files came out of the guest (log: $res)"

gcovdir=$CACHE_DIR/logs/gcov
rm -rf "$gcovdir"
mkdir -p "$gcovdir"
mapfile -t srcs < <(series_kernel_files "$tag" | grep '^io_uring/')
for f in "${srcs[@]}"; do
	(cd "$gcovdir" && gcov -b -j -o "$kout/io_uring" "$TREE_DIR/$f" >/dev/null)
done
git -C "$TREE_DIR" diff -U0 "$tag..work" -- "${srcs[@]}" >"$gcovdir/series.diff"
python3 "$REPO_DIR/scripts/coverage-report.py" --diff "$gcovdir/series.diff" \
	--tree "$TREE_DIR" --out "$REPO_DIR/coverage" "$gcovdir"/*.gcov.json.gz
stage "coverage: $REPO_DIR/coverage/report.md"
