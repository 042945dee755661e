#!/usr/bin/env bash
# The per-thread model on the booted patched debug kernel: ring A of the
# main thread (SINGLE_ISSUER, files registered from fds and opened as
# direct descriptors), whose table only the main thread may clone:
# (a) into each worker's ring while it is still disabled, the worker then
# enabling it, and (b) into a template ring without SINGLE_ISSUER, which the
# workers clone themselves; every worker reads through its cloned table.
# The clones are timed next to registering the same files; the times come
# from the debug kernel under QEMU and are labelled so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO_DIR/scripts/build-progs.sh" debug
stage "running the per-thread demo in the VM"
"$REPO_DIR/scripts/vm-run.sh" --kernel debug --dir "$BUILD_DIR/progs" \
	--log "$CACHE_DIR/logs/demo-console.log" \
	-- ./clone-per-thread -n 64 -t 4 -k debug
