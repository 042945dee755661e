#!/usr/bin/env bash
# Write an initramfs (gzip'ed cpio) that runs one command and powers off.
#
# usage: mkinitramfs.sh OUT.cpio.gz CMDFILE [DIR...]
#   CMDFILE  a shell script run as /run-cmd in the guest, cwd /work
#   DIR      directories whose contents are copied into /work
# The guest prints "clone-files-vm: exit status N" last, then reboots;
# scripts/vm-run.sh turns that line into its own exit status.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: mkinitramfs.sh OUT CMDFILE [DIR...]}
cmdfile=${2:?usage: mkinitramfs.sh OUT CMDFILE [DIR...]}
shift 2

busybox=/bin/busybox
[ -x "$busybox" ] || die "busybox-static is not installed"
file -L "$busybox" 2>/dev/null | grep -q "statically linked" ||
	die "$busybox is not static (install busybox-static)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,work,root,etc,usr/bin,sys/kernel/debug}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	# kselftest's runner uses GNU-only options of /usr/bin/timeout when
	# it finds one: keep busybox's out of /usr/bin.
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s /bin/busybox "$root/usr/bin/env"
if [ -x /bin/bash-static ]; then
	cp /bin/bash-static "$root/bin/bash"
fi
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

install -m 0755 "$cmdfile" "$root/run-cmd"
for d in "$@"; do
	cp -a "$d/." "$root/work/"
done

cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# No udev: make the links scripts expect (kselftest writes to /dev/stdout).
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ulimit -n 1048576 2>/dev/null
# Loopback for the socket tests (liburing's suite); -net none keeps it at that.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
leaks=/sys/kernel/debug/kmemleak
# Forget what boot left behind: only leaks of the command count.
if [ -w $leaks ]; then
	echo scan >$leaks; echo clear >$leaks
fi
echo; echo "clone-files-vm: running command"
cd /work && /bin/sh /run-cmd
status=$?
cd /
if [ -w $leaks ]; then
	# Objects must be older than a scan interval to be reported.
	sleep 6; echo scan >$leaks; sleep 1; echo scan >$leaks
	cat $leaks
fi
echo "clone-files-vm: exit status $status"
sync
# User-Mode Linux runs itself again on reboot: it is told to power off
# (scripts/uml-run.sh), QEMU exits on a reboot (-no-reboot).
grep -qw clone_files_halt=poweroff /proc/cmdline && poweroff -f
reboot -f
INIT
chmod 0755 "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 >"$out"
