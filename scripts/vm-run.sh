#!/usr/bin/env bash
# Boot a kernel under QEMU, run one command in it, and exit with that
# command's status. The whole console log is kept; a kernel report in it
# (scripts/scan-guest-log.sh) fails the run even when the command passed.
#
# usage: vm-run.sh [options] -- COMMAND [ARG...]
#   --kernel FLAVOUR|PATH  bzImage, or a flavour built by build-kernel.sh
#                          (default debug)
#   --dir DIR              copy DIR's contents into the guest's /work
#                          (repeatable); COMMAND runs there
#   --log FILE             console log (default $CACHE_DIR/logs/vm-<time>.log)
#   --timeout SECONDS      kill the guest after this long (default 1200)
#   --mem MB               guest memory (default 2048)
#   --smp N                guest CPUs (default 2)
#   --qemu-opt OPT         extra QEMU option (repeatable), e.g. -icount shift=0
#   --append ARG           extra kernel command-line argument (repeatable),
#                          e.g. slab_nomerge
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=debug timeout=1200 mem=2048 smp=2 log= dirs=() qemu_extra=() append=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--dir) dirs+=("$2"); shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--qemu-opt) read -r -a o <<<"$2"; qemu_extra+=("${o[@]}"); shift 2 ;;
	--append) append+=" $2"; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "usage: vm-run.sh [options] -- COMMAND [ARG...]"

case "$kernel" in
*/*) image=$kernel ;;
*) image=$BUILD_DIR/$kernel/arch/x86/boot/bzImage ;;
esac
[ -e "$image" ] || die "no kernel at $image (make kernel)"
mkdir -p "$CACHE_DIR/logs"
: "${log:=$CACHE_DIR/logs/vm-$(date +%Y%m%d-%H%M%S).log}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
guest_initramfs "$work" "${dirs[@]}" -- "$@"

# KVM hangs guests on these machines: TCG unless VM_ACCEL says otherwise
# (scripts/probe-kvm.sh checks whether KVM boots here).
accel=${VM_ACCEL:-tcg}
# No 5-level paging: Linux 7.3's identify_cpu() clears the boot CPU's
# feature bits (LA57 with them) for a moment with interrupts on, and KASAN
# checking an interrupt's access then takes the 5-level direct map for a
# wild address (a false report, seen once in seven 2-CPU boots here).
cpu=max,la57=off
[ "$accel" = kvm ] && cpu=host

# Our kernels have no ACPI, so they find CPUs in SeaBIOS's MP table, which
# lists one CPU per package: QEMU's default -smp N (N cores in one socket)
# gave the guest a single CPU. One socket per CPU shows them all.
topology=$smp,sockets=$smp,cores=1,threads=1

stage "booting $image ($accel), log: $log"
set +e
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -smp "$topology" -m "$mem" \
	-nographic -no-reboot -net none -monitor none -serial stdio \
	-kernel "$image" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=5 rdinit=/init$append" \
	"${qemu_extra[@]}" </dev/null >"$log" 2>&1
qemu_rc=$?
set -e
guest_exit vm-run "$log" "$qemu_rc" "$timeout"
