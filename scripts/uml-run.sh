#!/usr/bin/env bash
# Run one command in the User-Mode Linux kernel (scripts/build-uml.sh), as
# vm-run.sh does under QEMU: same initramfs, same exit status, and a
# kernel report in the console log (scripts/scan-guest-log.sh) fails the
# run even when the command passed.
#
# usage: uml-run.sh [options] -- COMMAND [ARG...]
#   --dir DIR              copy DIR's contents into the guest's /work
#                          (repeatable); COMMAND runs there
#   --log FILE             console log (default $CACHE_DIR/logs/uml-<time>.log)
#   --timeout SECONDS      kill the kernel after this long (default 3600)
#   --mem MB               guest memory (default 2048)
#   --kernel FLAVOUR       uml (default; lockdep, UBSAN, hang detectors) or
#                          uml-perf (no debug option: for timings)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

timeout=3600 mem=2048 log= dirs=() flavour=uml
while [ $# -gt 0 ]; do
	case "$1" in
	--dir) dirs+=("$2"); shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--kernel) flavour=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "usage: uml-run.sh [options] -- COMMAND [ARG...]"

linux=$BUILD_DIR/$flavour/linux
[ -x "$linux" ] || die "no UML kernel at $linux (scripts/build-uml.sh $flavour)"
mkdir -p "$CACHE_DIR/logs"
: "${log:=$CACHE_DIR/logs/uml-$(date +%Y%m%d-%H%M%S).log}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
guest_initramfs "$work" "${dirs[@]}" -- "$@"

stage "running $linux, log: $log"
set +e
# The guest's memory is a file in TMPDIR; con0 is the console, the other
# consoles and the serial lines go nowhere.
TMPDIR=$work timeout --foreground -k 10 "$timeout" \
	"$linux" mem="${mem}M" initrd="$work/initramfs.cpio.gz" \
	con=null con0=null,fd:1 ssl=null panic=-1 oops=panic loglevel=5 \
	rdinit=/init clone_files_halt=poweroff </dev/null >"$log" 2>&1
rc=$?
set -e
guest_exit uml-run "$log" "$rc" "$timeout"
