#!/usr/bin/env bash
# Build liburing from the work tree $LIBURING_TREE_DIR (make liburing-tree)
# and its whole test suite, linked statically, and install it into
# $BUILD_DIR/liburing-tests: every test program (*.t), runtests.sh and
# what it needs (runtests-loop.sh, runtests-quiet.sh, the config template,
# napi-test.sh, which napi-test.t runs, and a static bash, as runtests.sh
# is "#!/usr/bin/env bash" and runs "bash -c" itself).
#
# The build happens in the work tree (its products are all git-ignored);
# configure runs only once, so a rebuild compiles what changed.
#
# Running the suite: from inside the directory, with the directory first
# in PATH (for bash), runtests.sh takes the tests to run as arguments:
#
#   cd $BUILD_DIR/liburing-tests && PATH=$PWD:$PATH ./runtests.sh *.t
#   ... ./runtests.sh clone-files.t regbuf-clone.t   (some tests)
#
# TIMEOUT=SECONDS in the environment changes the per-test limit (default
# 60); a config.local next to runtests.sh (see the "config" template) can
# exclude tests (TEST_EXCLUDE) or give them files or devices. runtests.sh
# writes output/ and *.dmesg into the directory, and the tests their
# scratch files: it must be writable. In the VM:
#
#   scripts/vm-run.sh --dir "$BUILD_DIR/liburing-tests" -- \
#       sh -c 'PATH=$PWD:$PATH ./runtests.sh *.t'
#
# usage: build-liburing-tests.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$LIBURING_TREE_DIR
out=$BUILD_DIR/liburing-tests
[ -d "$src/.git" ] || die "no liburing tree in $src: make liburing-tree"
[ -x /bin/bash-static ] || die "/bin/bash-static missing: run scripts/setup-host.sh"

cd "$src"
if [ ! -e config-host.mak ] || [ configure -nt config-host.mak ]; then
	stage "configuring liburing in $src"
	./configure >/dev/null
fi
export CCACHE_DIR
stage "building liburing"
make -s -C src -j"$(nproc)" CC="ccache gcc" >/dev/null
stage "building the liburing tests (static)"
make -s -C test -j"$(nproc)" CC="ccache gcc" CXX="ccache g++" LDFLAGS=-static >/dev/null

stage "installing into $out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# test/Makefile's install: $(test_targets), runtests.sh, runtests-loop.sh
make -s -C test CC="ccache gcc" CXX="ccache g++" LDFLAGS=-static \
	datadir="$tmp" install >/dev/null
install -m 0755 test/runtests-quiet.sh test/napi-test.sh "$tmp/liburing-test/"
install -m 0644 test/config "$tmp/liburing-test/"
install -m 0755 /bin/bash-static "$tmp/liburing-test/bash"

dynamic=$(cd "$tmp/liburing-test" && file -- *.t bash | grep -v 'statically linked\|static-pie linked' || true)
[ -z "$dynamic" ] || die "not statically linked: $dynamic"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp/liburing-test" "$out"
stage "$(cd "$out" && ls -- *.t | wc -l) tests in $out (cd there; PATH=\$PWD:\$PATH ./runtests.sh *.t)"
