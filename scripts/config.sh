#!/usr/bin/env bash
# Write $BUILD_DIR/<flavour>/.config: tinyconfig + configs/boot.config +
# configs/<flavour>.config (on top of its base fragment, if it names one)
# + the io_uring selftests' own config file, then
# check that every option the fragments ask for stuck.
#
# usage: config.sh FLAVOUR [NAME]   (FLAVOUR: debug, perf, kcsan, coverage,
#                                   any configs/FLAVOUR.config; build
#                                   directory $BUILD_DIR/NAME, default
#                                   the flavour)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: config.sh FLAVOUR [NAME]}
out=$BUILD_DIR/${2:-$flavour}
# A fragment whose first line is "# base: NAME" builds on configs/NAME.config.
frag=$REPO_DIR/configs/$flavour.config
[ -e "$frag" ] || die "no $frag"
base=$(sed -n '1s/^# base: \([a-z0-9-]*\)$/\1/p' "$frag")
frags=("$REPO_DIR/configs/boot.config" ${base:+"$REPO_DIR/configs/$base.config"} "$frag")
selftest_config=$TREE_DIR/tools/testing/selftests/io_uring/config
if [ ! -e "$selftest_config" ] && [ "${BASE:-0}" = 1 ]; then
	# the unpatched base has no io_uring selftests: the series' fragment
	# keeps its kernels configured as the patched ones they are compared to
	mkdir -p "$out"
	selftest_config=$out.selftests-config
	git -C "$CACHE_DIR/linux" show work:tools/testing/selftests/io_uring/config \
		>"$selftest_config" || die "no io_uring selftests config in $CACHE_DIR/linux (make tree)"
fi
[ -e "$selftest_config" ] && frags+=("$selftest_config")

make_config "$flavour" "$out" tinyconfig "${frags[@]}"
