#!/usr/bin/env bash
# Write $BUILD_DIR/<flavour>/.config: tinyconfig + configs/boot.config +
# configs/<flavour>.config + the io_uring selftests' own config file, then
# check that every option the fragments ask for stuck.
#
# usage: config.sh debug|perf [NAME]   (build directory $BUILD_DIR/NAME,
#                                   default the flavour)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: config.sh debug|perf [NAME]}
out=$BUILD_DIR/${2:-$flavour}
frags=("$REPO_DIR/configs/boot.config" "$REPO_DIR/configs/$flavour.config")
selftest_config=$TREE_DIR/tools/testing/selftests/io_uring/config
[ -e "$selftest_config" ] && frags+=("$selftest_config")

mkdir -p "$out"
stamp=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ -e "$out/.config" ] && [ "$(cat "$out/.config-stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

stage "configuring $flavour kernel"
make -s -C "$TREE_DIR" O="$out" tinyconfig >/dev/null
"$TREE_DIR/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"${frags[@]}" >"$out/merge_config.log"
make -s -C "$TREE_DIR" O="$out" olddefconfig >/dev/null

# Every CONFIG_X=v asked for must be in .config, every CONFIG_X=n must
# be unset; name the ones that did not stick.
bad=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n)
		opt=${line%%=*}
		grep -q "^$opt=" "$out/.config" && bad+=("$line")
		;;
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || bad+=("$line")
		;;
	esac
done < <(cat "${frags[@]}")
[ ${#bad[@]} -eq 0 ] ||
	die "$flavour config: options that did not stick: ${bad[*]}"
echo "$stamp" >"$out/.config-stamp"
