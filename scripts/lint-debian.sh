#!/usr/bin/env bash
# What a distro builder builds: Debian's own amd64 config for 7.3 (package
# linux-config-7.3, installed by setup-host.sh), brought to this tree with
# olddefconfig. The directories the series changes are built with W=1 and
# sparse (C=2), at the base and at the series: no new warning. Only those
# directories are compiled after prepare.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=/usr/src/linux-config-7.3/config.amd64_none_amd64.xz
[ -e "$cfg" ] || die "no $cfg: run scripts/setup-host.sh (linux-config-7.3)"
tag=$("$REPO_DIR/scripts/base.sh")
"$REPO_DIR/scripts/tree.sh"
sparse=$("$REPO_DIR/scripts/build-sparse.sh")
out=$BUILD_DIR/debian
export CCACHE_DIR CCACHE_BASEDIR=$TREE_DIR CCACHE_NOHASHDIR=1
args=(CC="ccache gcc")

mkdir -p "$out"
stamp=$(sha256sum <"$cfg" | cut -d' ' -f1)
if [ "$(cat "$out/.config-stamp" 2>/dev/null)" != "$stamp" ]; then
	stage "Debian config: olddefconfig from $(basename "$cfg")"
	xz -dc "$cfg" >"$out/.config"
	make -s -C "$TREE_DIR" O="$out" "${args[@]}" olddefconfig >/dev/null
	grep -qx 'CONFIG_IO_URING=y' "$out/.config" || die "Debian config: no IO_URING"
	echo "$stamp" >"$out/.config-stamp"
fi
stage "Debian config: prepare (cold: a few minutes)"
make -s -C "$TREE_DIR" O="$out" -j"$(nproc)" "${args[@]}" prepare >/dev/null ||
	die "Debian config: make prepare failed"
stage "Debian config: W=1 + sparse on the changed directories, base vs series"
lint_build_compare debian "$tag" "$out" "${args[@]}" W=1 C=2 CHECK="$sparse"
