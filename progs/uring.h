/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The demo, the benchmarks and the stress programs drive their rings with
 * the kernel tree's tools/include/io_uring/mini_liburing.h (raw syscalls,
 * no liburing; found with -isystem, as the io_uring kselftests find it).
 * This header adds only what it lacks:
 *  - ring_init() and ring_exit(): io_uring_queue_init() returning -errno,
 *    and an exit that is a no-op on a ring that failed or was cleared
 *    (ring_clear());
 *  - ring_register(): io_uring_register() of a struct io_uring;
 *  - CQEs popped as copies (wait_cqe(), peek_cqe()), and requests that
 *    wait for their own CQE (wait_res()): fixed reads and writes, direct
 *    opens and closes;
 *  - the clone call, and now_ns() for the benchmarks.
 */

#ifndef __CLONE_PROGS_URING_H
#define __CLONE_PROGS_URING_H

#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <io_uring/mini_liburing.h>

/* user_data of the requests the helpers issue, never a tag */
#define HELPER_USER_DATA	0xfeed0000ULL

/* CLOCK_MONOTONIC in ns */
static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * CQEs the helpers popped while waiting for their own, per ring fd (from
 * 0 at ring_init(); fds from SKIPPED_FDS on share the last counter): the
 * stress programs fail on any where they expect CQEs (a tag CQE nobody
 * expected).
 */
#define SKIPPED_FDS	1024
static unsigned int uring_skipped_cqes[SKIPPED_FDS];

static inline unsigned int *skipped_cqes(const struct io_uring *r)
{
	unsigned int fd = r->ring_fd;

	return &uring_skipped_cqes[fd < SKIPPED_FDS ? fd : SKIPPED_FDS - 1];
}

/* No ring: ring_exit() leaves it alone (fd 0 is a valid fd). */
static inline void ring_clear(struct io_uring *r)
{
	memset(r, 0, sizeof(*r));
	r->ring_fd = -1;
}

/* Returns 0 or -errno; on failure @r is as after ring_clear(). */
static inline int ring_init(struct io_uring *r, unsigned int entries,
			    unsigned int flags)
{
	if (!io_uring_queue_init(entries, r, flags)) {
		__atomic_store_n(skipped_cqes(r), 0, __ATOMIC_RELAXED);
		return 0;
	}
	ring_clear(r);
	return -errno;
}

static inline void ring_exit(struct io_uring *r)
{
	if (r->ring_fd < 0)
		return;
	io_uring_queue_exit(r);
	ring_clear(r);
}

static inline int ring_register(struct io_uring *r, unsigned int op,
				const void *arg, unsigned int nr)
{
	return io_uring_register(r->ring_fd, op, arg, nr);
}

/* Pops the next CQE of @r into @out, waiting for one: 0 or -errno. */
static inline int wait_cqe(struct io_uring *r, struct io_uring_cqe *out)
{
	struct io_uring_cqe *cqe;
	int ret;

	do
		ret = io_uring_wait_cqe(r, &cqe);
	while (ret == -EINTR);
	if (ret)
		return ret;
	*out = *cqe;
	io_uring_cqe_seen(r);
	return 0;
}

/* The same without waiting: -EAGAIN if there is none. */
static inline int peek_cqe(struct io_uring *r, struct io_uring_cqe *out)
{
	struct io_uring_cqe *cqe;

	if (io_uring_peek_cqe(r, &cqe))
		return -EAGAIN;
	*out = *cqe;
	io_uring_cqe_seen(r);
	return 0;
}

/*
 * Submits what is queued and returns the res of the CQE for @user_data;
 * other CQEs on the way are popped and counted in skipped_cqes(@r).
 */
static inline int wait_res(struct io_uring *r, __u64 user_data)
{
	struct io_uring_cqe cqe;
	int ret;

	ret = io_uring_submit(r);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = wait_cqe(r, &cqe);
		if (ret)
			return ret;
		if (cqe.user_data == user_data)
			return cqe.res;
		__atomic_add_fetch(skipped_cqes(r), 1, __ATOMIC_RELAXED);
	}
}

/* A request of the helpers (HELPER_USER_DATA); NULL if the SQ is full. */
static inline struct io_uring_sqe *prep_sqe(struct io_uring *r, int op,
					    int fd, const void *addr,
					    unsigned int len, __u64 off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);

	if (sqe) {
		io_uring_prep_rw(op, sqe, fd, addr, len, off);
		sqe->user_data = HELPER_USER_DATA;
	}
	return sqe;
}

/* I/O through fixed slot @slot: the CQE's res; (__u64)-1: file position. */
static inline int fixed_rw(struct io_uring *r, int op, int slot, void *buf,
			   unsigned int len, __u64 off)
{
	struct io_uring_sqe *sqe = prep_sqe(r, op, slot, buf, len, off);

	if (!sqe)
		return -EBUSY;
	sqe->flags = IOSQE_FIXED_FILE;
	return wait_res(r, HELPER_USER_DATA);
}

static inline int fixed_read(struct io_uring *r, int slot, void *buf,
			     unsigned int len, __u64 off)
{
	return fixed_rw(r, IORING_OP_READ, slot, buf, len, off);
}

static inline int fixed_write(struct io_uring *r, int slot, const void *buf,
			      unsigned int len, __u64 off)
{
	return fixed_rw(r, IORING_OP_WRITE, slot, (void *)buf, len, off);
}

/*
 * Opens @path straight into the table at @file_index (slot + 1: returns
 * 0; or IORING_FILE_INDEX_ALLOC: returns the slot), or -errno.
 */
static inline int open_direct(struct io_uring *r, const char *path,
			      int flags, unsigned int file_index)
{
	/* len: the mode, for O_CREAT */
	struct io_uring_sqe *sqe = prep_sqe(r, IORING_OP_OPENAT, AT_FDCWD,
					    path, 0600, 0);

	if (!sqe)
		return -EBUSY;
	sqe->open_flags = flags;
	sqe->file_index = file_index;
	return wait_res(r, HELPER_USER_DATA);
}

static inline int close_direct(struct io_uring *r, unsigned int slot)
{
	struct io_uring_sqe *sqe = prep_sqe(r, IORING_OP_CLOSE, 0, NULL, 0, 0);

	if (!sqe)
		return -EBUSY;
	sqe->file_index = slot + 1;
	return wait_res(r, HELPER_USER_DATA);
}

/*
 * IORING_REGISTER_CLONE_FILES (@op) or _BUFFERS of @nr slots (0: the whole
 * table) of ring fd @src_fd into @dst; both take struct
 * io_uring_clone_buffers.
 */
static inline int clone_rsrc(struct io_uring *dst, unsigned int op,
			     int src_fd, unsigned int flags,
			     unsigned int src_off, unsigned int dst_off,
			     unsigned int nr)
{
	struct io_uring_clone_buffers arg = {
		.src_fd = src_fd,
		.flags = flags,
		.src_off = src_off,
		.dst_off = dst_off,
		.nr = nr,
	};

	return ring_register(dst, op, &arg, 1);
}

static inline int clone_files(struct io_uring *dst, int src_fd,
			      unsigned int flags, unsigned int src_off,
			      unsigned int dst_off, unsigned int nr)
{
	return clone_rsrc(dst, IORING_REGISTER_CLONE_FILES, src_fd, flags,
			  src_off, dst_off, nr);
}

/*
 * 1 if the kernel knows IORING_REGISTER_CLONE_FILES, 0 if not (the unknown
 * opcode gives -EINVAL), -errno on anything unexpected.  A closed src_fd
 * is the first thing the real handler can trip on after the argument
 * checks, so it answers -EBADF without touching any ring.
 */
static inline int clone_files_supported(void)
{
	struct io_uring r;
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
