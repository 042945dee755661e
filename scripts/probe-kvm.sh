#!/usr/bin/env bash
# Tell whether KVM boots the debug kernel here: prints "kvm" if a guest
# reaches userspace under KVM within 60 s, else "tcg". Use the answer as
# VM_ACCEL for vm-run.sh. (On the machines seen so far KVM guests hang
# before the kernel prints anything.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -w /dev/kvm ] &&
   VM_ACCEL=kvm "$REPO_DIR/scripts/vm-run.sh" --timeout 60 \
	--log "$CACHE_DIR/logs/probe-kvm.log" -- true >/dev/null 2>&1; then
	echo kvm
else
	echo tcg
fi
