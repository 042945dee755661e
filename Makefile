# IORING_REGISTER_CLONE_FILES workbench: every target installs what it
# needs, works from series/ and liburing/, and keeps its caches outside the
# clone (CACHE_DIR, default ~/.cache/clone-files). See README.md.

SHELL := /bin/bash
S := scripts
export WORKBENCH_T0 := $(shell date +%s)

.PHONY: help host tree export kernel perf-kernel selftests check demo \
	vm-run check-roundtrip check-log-scan probe-kvm \
	liburing-tree liburing-export liburing-check-roundtrip liburing-tests

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

## make liburing-tree: the working liburing tree, liburing 2.15 + liburing/
liburing-tree: host
	@$(S)/liburing-tree.sh

## make liburing-export: write liburing/ back from the liburing tree
liburing-export: host
	@$(S)/liburing-export.sh

## make liburing-check-roundtrip: liburing tree -> export is a no-op
liburing-check-roundtrip: host
	@$(S)/check-roundtrip.sh liburing

## make liburing-tests: liburing and its test suite, static, for the VM
liburing-tests: liburing-tree
	@$(S)/build-liburing-tests.sh

## make lint: checkpatch, mbox, per-patch builds, sparse/W=1, coccicheck,
## other configs, docs; ends with "N passed, N failed"
lint: host tree
	@$(S)/lint.sh

## make mbox: the series as one mbox with To/Cc from get_maintainer.pl
mbox: tree
	@$(S)/mbox.sh

## make stress: fault injection, races, fuzzing, hostile rings (debug kernel)
stress: kernel
	@$(S)/run-stress.sh

## make stress-kcsan: the race programs on the KCSAN kernel (not in CI)
stress-kcsan: tree
	@$(S)/run-stress-kcsan.sh

## make coverage: gcov line/branch coverage of the series' functions from
## the kselftests and make stress; writes coverage/ (not in CI)
coverage: tree
	@$(S)/coverage.sh

## make fuzz: the fuzzers at length under User-Mode Linux: a million calls
## per seed, then the concurrent fuzzer (not in CI)
fuzz: tree
	@$(S)/run-fuzz.sh

.PHONY: lint mbox stress stress-kcsan coverage fuzz

## make bench: the perf kernel booted under TCG -icount (deterministic),
## cost per file and memory per slot by method; writes bench/results/
bench: tree
	@$(S)/bench.sh

## make bench-stages: the perf kernel at the core and at each optional
## patch, clone-bench at two sizes; writes bench/results/stages.*
bench-stages: tree
	@$(S)/bench-stages.sh

## make check-stages: make check and make stress on the tree at each
## optional patch but the last (not in CI)
check-stages: tree
	@$(S)/check-stages.sh

.PHONY: bench bench-stages check-stages

## make liburing-clone-check: clone-files.t and liburing's tests of the
## changed code on the patched debug kernel (the liburing gate in CI)
liburing-clone-check: liburing-tree kernel
	@$(S)/liburing-clone-check.sh

## make liburing-check: liburing's whole suite on the patched perf kernel,
## compared with the recorded base results (liburing-results/base.tsv)
liburing-check: liburing-tree tree
	@$(S)/liburing-check.sh

## make liburing-baseline: refresh liburing-results/base.tsv (unpatched base)
liburing-baseline: liburing-tree tree
	@$(S)/liburing-baseline.sh

.PHONY: liburing-check liburing-baseline liburing-clone-check

## make liburing-mbox [LIBURING_UPSTREAM=path]: the liburing series as one
## mbox; on the HEAD of that liburing checkout (master form), else on 2.15
liburing-mbox:
	@$(S)/liburing-mbox.sh $(LIBURING_UPSTREAM)

.PHONY: liburing-mbox

## make stable-check [STABLE_BRANCHES="6.12 7.2"]: the buffer-clone fix on
## Debian's 6.12 and 7.2 kernels, without and with its backport (not in CI)
stable-check: host liburing-tree
	@$(S)/stable-check.sh $(STABLE_BRANCHES)

.PHONY: stable-check
