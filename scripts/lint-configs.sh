#!/usr/bin/env bash
# The series must build where io_uring has none of its optional parts:
# allnoconfig with only IO_URING added back (no NET, no BPF, so the stubs
# of bpf_filter.h are what the clone code calls). The directories the
# series changes are built after prepare, at the base and at the series:
# both build, no new warning. (Without the debug options, with the
# optional parts: the Debian config, lint-debian.sh.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
out=$BUILD_DIR/allno
args=(CC="ccache gcc")
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
make_config allnoconfig "$out" allnoconfig "$REPO_DIR/configs/lint-allno.config" -- "${args[@]}"
stage "allnoconfig + IO_URING: prepare"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" "${args[@]}" prepare >/dev/null ||
	die "allnoconfig: make prepare failed"
lint_build_compare allno "$tag" "$out" "${args[@]}"
