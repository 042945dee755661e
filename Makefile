# IORING_REGISTER_CLONE_FILES workbench: every target installs what it
# needs, works from series/ and liburing/, and keeps its caches outside the
# clone (CACHE_DIR, default ~/.cache/clone-files). See README.md.

SHELL := /bin/bash
S := scripts
export WORKBENCH_T0 := $(shell date +%s)

.PHONY: help host tree export kernel perf-kernel selftests check demo \
	vm-run check-roundtrip check-log-scan probe-kvm

help:
	@sed -n 's/^## //p' README.md

host:
	@$(S)/setup-host.sh

## make tree: the working kernel tree, base + series/ (git am)
tree: host
	@$(S)/tree.sh

## make export: write series/ back from the working tree
export:
	@$(S)/export.sh

kernel: tree
	@$(S)/build-kernel.sh debug

perf-kernel: tree
	@$(S)/build-kernel.sh perf

selftests: kernel
	@$(S)/build-selftests.sh debug

## make check: the kselftests on the booted patched debug kernel
check: selftests
	@$(S)/run-selftests.sh

## make demo: a registered file table used on the booted patched kernel
demo: kernel
	@$(S)/demo.sh

## make vm-run CMD="prog args" [DIR=dir]: run a host program in the VM
vm-run: kernel
	@$(S)/vm-run.sh $(if $(DIR),--dir $(DIR)) -- $(CMD)

## make check-roundtrip: tree -> export is a no-op on series/
check-roundtrip: tree
	@$(S)/check-roundtrip.sh

## make check-log-scan: prove a real kernel WARNING fails a VM run
check-log-scan: kernel
	@$(S)/check-log-scan.sh

probe-kvm: kernel
	@$(S)/probe-kvm.sh
