#!/usr/bin/env bash
# The per-thread model on the booted patched kernel: one ring set up by the
# main thread (files registered from fds and opened as direct descriptors),
# then worker threads each cloning its table into their own ring and reading
# through it; each clone is timed next to registering the same files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO_DIR/scripts/build-progs.sh" debug
stage "running the per-thread demo in the VM"
"$REPO_DIR/scripts/vm-run.sh" --kernel debug --dir "$BUILD_DIR/progs" \
	--log "$CACHE_DIR/logs/demo-console.log" \
	-- sh -c './clone-per-thread -n 64 -t 4 && ./clone-per-thread -n 64 -t 4 -s'
