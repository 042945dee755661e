#!/usr/bin/env bash
# The per-thread model on the booted patched debug kernel: ring A of the
# main thread (SINGLE_ISSUER, files registered from fds and opened as
# direct descriptors), whose table only the main thread may clone:
# (a) into each worker's ring while it is still disabled, the worker then
# enabling it, and (b) into a template ring without SINGLE_ISSUER, which the
# workers clone themselves; every worker reads through its cloned table.
# The debug kernel under QEMU prints no timings: KASAN, lockdep and the
# emulation would be all they measured. When the User-Mode Linux kernel
# without debug options is built (scripts/build-uml.sh uml-perf; make bench
# builds it), the demo runs there too, natively, and times the clones next
# to registering the same files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO_DIR/scripts/build-progs.sh" debug
stage "running the per-thread demo in the VM (debug kernel: no timings)"
"$REPO_DIR/scripts/vm-run.sh" --kernel debug --dir "$BUILD_DIR/progs" \
	--log "$CACHE_DIR/logs/demo-console.log" \
	-- ./clone-per-thread -n 64 -t 4
if [ -x "$BUILD_DIR/uml-perf/linux" ]; then
	stage "the demo again under User-Mode Linux (uml-perf: no debug option), native, with timings"
	"$REPO_DIR/scripts/uml-run.sh" --kernel uml-perf --dir "$BUILD_DIR/progs" \
		--log "$CACHE_DIR/logs/demo-uml-console.log" \
		-- ./clone-per-thread -n 64 -t 4 -k "uml-perf (User-Mode Linux, no debug option)"
else
	stage "no timings: build the User-Mode Linux kernel without debug options (scripts/build-uml.sh uml-perf) to see them"
fi
