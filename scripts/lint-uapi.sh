#!/usr/bin/env bash
# The uapi headers the series changes: make headers_install (which runs
# scripts/headers_install.sh's checks), then the kernel's own header test
# (CONFIG_UAPI_HEADER_TEST: each header compiled alone as C90 and C++, and
# usr/include/headers_check.pl) for each changed header. allnoconfig is
# enough: the header test needs no kernel option but its own.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
mapfile -t hdrs < <(git -C "$TREE_DIR" diff --name-only "$tag..work" -- 'include/uapi/*.h' |
	sed 's|^include/uapi/||')
[ ${#hdrs[@]} -gt 0 ] || die "the series changes no uapi header"
out=$BUILD_DIR/uapi
args=(CC="ccache gcc")
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1

make_config uapi "$out" allnoconfig "$REPO_DIR/configs/lint-uapi.config" -- "${args[@]}"
stage "uapi: headers_install, then the header test of ${hdrs[*]}"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" "${args[@]}" headers_install ||
	die "uapi: make headers_install failed"
log=$CACHE_DIR/logs/lint-uapi.log
mkdir -p "$CACHE_DIR/logs"
mapfile -t tests < <(printf 'usr/include/%s\n' "${hdrs[@]/%.h/.hdrtest}")
rm -f "${tests[@]/#/$out/}"
# usr/include/ is the smallest target kbuild offers for the test: only the
# stamps removed above and the headers that changed are tested again.
make -C "$TREE_DIR" O="$out" -j"$(nproc)" "${args[@]}" usr/include/ >"$log" 2>&1 ||
	die "uapi: the header test fails (log: $log): $(grep -E 'error|warning' "$log" | head -5)"
for h in "${hdrs[@]}"; do
	grep -q "HDRTEST usr/include/$h" "$log" || die "uapi: $h was not tested (log: $log)"
done
! grep -q warning "$log" || die "uapi: warnings (log: $log)"
stage "uapi: ${hdrs[*]} pass headers_install and the header test"
