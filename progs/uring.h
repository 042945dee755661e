/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The demo, the benchmarks and the stress programs build on the raw-syscall
 * ring helpers of the io_uring kselftests (tools/testing/selftests/io_uring/io_uring_util.h of
 * the patched tree, found through -I), and add the clone call.
 */

#ifndef __CLONE_PROGS_URING_H
#define __CLONE_PROGS_URING_H

#include <time.h>

#include "io_uring_util.h"

/* CLOCK_MONOTONIC in ns */
static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Clones @nr slots (0: the whole table) of ring fd @src_fd into @dst. */
static inline int clone_files(struct ring *dst, int src_fd,
			      unsigned int flags, unsigned int src_off,
			      unsigned int dst_off, unsigned int nr)
{
	struct io_uring_clone_files cf = {
		.src_fd = src_fd,
		.flags = flags,
		.src_off = src_off,
		.dst_off = dst_off,
		.nr = nr,
	};

	return ring_register(dst, IORING_REGISTER_CLONE_FILES, &cf, 1);
}

/*
 * 1 if the kernel knows IORING_REGISTER_CLONE_FILES, 0 if not (the unknown
 * opcode gives -EINVAL), -errno on anything unexpected.  A closed src_fd
 * is the first thing the real handler can trip on after the argument
 * checks, so it answers -EBADF without touching any ring.
 */
static inline int clone_files_supported(void)
{
	struct ring r;
	int ret;

	ret = ring_init(&r, 1, 0);
	if (ret)
		return ret;
	ret = clone_files(&r, -1, 0, 0, 0, 0);
	ring_exit(&r);
	if (ret == -EBADF)
		return 1;
	if (ret == -EINVAL)
		return 0;
	return ret ? ret : -EPROTO;
}

#endif
