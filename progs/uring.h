/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal raw io_uring helpers (no liburing) shared by clone-per-thread.c
 * and clone-bench.c.  Trimmed from tools/testing/selftests/io_uring's
 * io_uring_util.h; only 64-byte SQEs, 16-byte CQEs and an SQ array.
 */

#ifndef __CLONE_PROGS_URING_H
#define __CLONE_PROGS_URING_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/io_uring.h>

/*
 * IORING_REGISTER_CLONE_FILES and its flags are enum constants in the new
 * uapi header, so #ifndef cannot tell whether the header has them; defining
 * them as macros after the header is harmless either way (same values).
 * The argument struct gets a private name for the same reason: with the new
 * header a second "struct io_uring_clone_files" would not compile.
 */
#ifndef IORING_REGISTER_CLONE_FILES
#define IORING_REGISTER_CLONE_FILES	38
#endif
#ifndef IORING_REGISTER_SRC_REGISTERED
#define IORING_REGISTER_SRC_REGISTERED	(1U << 0)
#endif
#ifndef IORING_REGISTER_DST_REPLACE
#define IORING_REGISTER_DST_REPLACE	(1U << 1)
#endif

/* layout of struct io_uring_clone_files */
struct uring_clone_files {
	__u32	src_fd;
	__u32	flags;
	__u32	src_off;
	__u32	dst_off;
	__u32	nr;
	__u32	pad[3];
};
_Static_assert(sizeof(struct uring_clone_files) == 32, "clone_files layout");

/* user_data of the requests issued by the helpers */
#define RING_RW_USER_DATA	0xfeed0000ULL
#define RING_OPEN_USER_DATA	0xfeed0001ULL

struct ring {
	int fd;
	unsigned int flags;		/* setup flags */
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int sq_entries, cq_entries;
	struct io_uring_sqe *sqes;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	void *sq_ptr, *cq_ptr;
	size_t sq_sz, cq_sz, sqes_sz;
	unsigned int sqe_tail;		/* local, sqes handed out, not yet submitted */
};

static inline int sys_io_uring_enter(int fd, unsigned int to_submit,
				     unsigned int min_complete,
				     unsigned int flags)
{
	int ret;

	ret = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags,
		      NULL, 0);
	return ret < 0 ? -errno : ret;
}

/* munmap + close; safe on a zeroed ring or one that failed ring_init() */
static inline void ring_exit(struct ring *r)
{
	if (r->sqes)
		munmap(r->sqes, r->sqes_sz);
	if (r->cq_ptr && r->cq_ptr != r->sq_ptr)
		munmap(r->cq_ptr, r->cq_sz);
	if (r->sq_ptr)
		munmap(r->sq_ptr, r->sq_sz);
	if (r->fd > 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static inline void *ring_mmap(int fd, size_t len, __u64 off)
{
	void *ptr = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, off);

	return ptr == MAP_FAILED ? NULL : ptr;
}

/* Returns 0 or -errno; on failure @r is left as after ring_exit(). */
static inline int ring_init(struct ring *r, unsigned int entries,
			    unsigned int flags)
{
	struct io_uring_params p = { .flags = flags };
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0) {
		err = -errno;
		r->fd = -1;
		return err;
	}
	r->flags = flags;
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	r->sq_sz = p.sq_off.array + p.sq_entries * sizeof(__u32);
	r->cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_sz = p.sq_entries * sizeof(struct io_uring_sqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_sz > r->sq_sz)
			r->sq_sz = r->cq_sz;
		r->cq_sz = r->sq_sz;
	}

	err = -ENOMEM;
	r->sq_ptr = ring_mmap(r->fd, r->sq_sz, IORING_OFF_SQ_RING);
	if (!r->sq_ptr)
		goto fail;
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		r->cq_ptr = r->sq_ptr;
	else
		r->cq_ptr = ring_mmap(r->fd, r->cq_sz, IORING_OFF_CQ_RING);
	if (!r->cq_ptr)
		goto fail;
	r->sqes = ring_mmap(r->fd, r->sqes_sz, IORING_OFF_SQES);
	if (!r->sqes)
		goto fail;

	r->sq_head = r->sq_ptr + p.sq_off.head;
	r->sq_tail = r->sq_ptr + p.sq_off.tail;
	r->sq_mask = r->sq_ptr + p.sq_off.ring_mask;
	r->sq_array = r->sq_ptr + p.sq_off.array;
	r->cq_head = r->cq_ptr + p.cq_off.head;
	r->cq_tail = r->cq_ptr + p.cq_off.tail;
	r->cq_mask = r->cq_ptr + p.cq_off.ring_mask;
	r->cqes = r->cq_ptr + p.cq_off.cqes;
	r->sqe_tail = *r->sq_tail;
	return 0;
fail:
	ring_exit(r);
	return err;
}

/* Returns a zeroed SQE, or NULL if the SQ ring is full. */
static inline struct io_uring_sqe *ring_get_sqe(struct ring *r)
{
	unsigned int head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
	struct io_uring_sqe *sqe;

	if (r->sqe_tail - head >= r->sq_entries)
		return NULL;
	sqe = &r->sqes[r->sqe_tail & *r->sq_mask];
	r->sq_array[r->sqe_tail & *r->sq_mask] = r->sqe_tail & *r->sq_mask;
	r->sqe_tail++;
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

/* Returns the number of SQEs submitted or -errno. */
static inline int ring_submit_and_wait(struct ring *r, unsigned int wait_nr)
{
	unsigned int to_submit = r->sqe_tail - *r->sq_tail;

	/* Publish the SQEs before the kernel can see the new tail. */
	__atomic_store_n(r->sq_tail, r->sqe_tail, __ATOMIC_RELEASE);
	return sys_io_uring_enter(r->fd, to_submit, wait_nr,
				  IORING_ENTER_GETEVENTS);
}

/* Pops the next posted CQE into @out; -EAGAIN if the CQ ring is empty. */
static inline int ring_pop_cqe(struct ring *r, struct io_uring_cqe *out)
{
	unsigned int head = *r->cq_head;

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	*out = r->cqes[head & *r->cq_mask];
	/* The copy must be done before the kernel may reuse the entry. */
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

static inline int ring_wait_cqe(struct ring *r, struct io_uring_cqe *out)
{
	int ret;

	while (ring_pop_cqe(r, out)) {
		ret = sys_io_uring_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	return 0;
}

static inline int ring_register(struct ring *r, unsigned int op,
				const void *arg, unsigned int nr)
{
	int ret = syscall(__NR_io_uring_register, r->fd, op, arg, nr);

	return ret < 0 ? -errno : ret;
}

static inline int ring_register_files(struct ring *r, const int *fds,
				      unsigned int nr)
{
	return ring_register(r, IORING_REGISTER_FILES, fds, nr);
}

static inline int ring_register_files_sparse(struct ring *r, unsigned int nr)
{
	struct io_uring_rsrc_register rr = {
		.nr = nr,
		.flags = IORING_RSRC_REGISTER_SPARSE,
	};

	return ring_register(r, IORING_REGISTER_FILES2, &rr, sizeof(rr));
}

/* Returns the number of slots updated or -errno. */
static inline int ring_update_files(struct ring *r, unsigned int off,
				    const int *fds, unsigned int nr)
{
	struct io_uring_rsrc_update2 up = {
		.offset = off,
		.data = (uintptr_t)fds,
		.nr = nr,
	};

	return ring_register(r, IORING_REGISTER_FILES_UPDATE2, &up, sizeof(up));
}

static inline int ring_unregister_files(struct ring *r)
{
	return ring_register(r, IORING_UNREGISTER_FILES, NULL, 0);
}

/* Clones @nr slots (0: the whole table) of ring fd @src_fd into @dst. */
static inline int ring_clone_files(struct ring *dst, int src_fd,
				   unsigned int flags, unsigned int src_off,
				   unsigned int dst_off, unsigned int nr)
{
	struct uring_clone_files cf = {
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
	ret = ring_clone_files(&r, -1, 0, 0, 0, 0);
	ring_exit(&r);
	if (ret == -EBADF)
		return 1;
	if (ret == -EINVAL)
		return 0;
	return ret ? ret : -EPROTO;
}

/* Submits what is queued and waits for the CQE carrying @user_data. */
static inline int ring_complete(struct ring *r, __u64 user_data)
{
	struct io_uring_cqe cqe;
	int ret;

	ret = ring_submit_and_wait(r, 1);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = ring_wait_cqe(r, &cqe);
		if (ret)
			return ret;
		if (cqe.user_data == user_data)
			return cqe.res;
	}
}

/* Reads through fixed file @slot; returns the bytes read or -errno. */
static inline int fixed_read(struct ring *r, int slot, void *buf,
			     unsigned int len, __u64 off)
{
	struct io_uring_sqe *sqe = ring_get_sqe(r);

	if (!sqe)
		return -EBUSY;
	sqe->opcode = IORING_OP_READ;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = slot;
	sqe->addr = (uintptr_t)buf;
	sqe->len = len;
	sqe->off = off;
	sqe->user_data = RING_RW_USER_DATA;
	return ring_complete(r, RING_RW_USER_DATA);
}

/*
 * Opens @path straight into the file table at @slot (no normal fd is
 * created).  O_CLOEXEC is rejected by the kernel here.  Returns 0 or -errno.
 */
static inline int ring_open_direct(struct ring *r, const char *path,
				   int flags, unsigned int slot)
{
	struct io_uring_sqe *sqe = ring_get_sqe(r);

	if (!sqe)
		return -EBUSY;
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (uintptr_t)path;
	sqe->open_flags = flags;
	sqe->file_index = slot + 1;
	sqe->user_data = RING_OPEN_USER_DATA;
	return ring_complete(r, RING_OPEN_USER_DATA);
}

#endif /* __CLONE_PROGS_URING_H */
