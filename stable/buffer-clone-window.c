// SPDX-License-Identifier: GPL-2.0
/*
 * The buffer-clone relock window on a stable kernel, from the buffers_*
 * cases of FIXTURE(window) in the series' clone_threads_test.c, for make
 * stable-check: raw syscalls only, built statically against the branch's
 * own uapi headers.
 *
 * IORING_REGISTER_CLONE_BUFFERS drops the destination's uring_lock before
 * it takes the source's. A register call on the source whose fd array
 * lies on a userfaultfd page blocks inside the kernel holding the source's
 * lock, so the clone waits there, and meanwhile this thread changes the
 * destination, which was checked before the lock was dropped:
 *
 *   enable    a disabled SINGLE_ISSUER destination is enabled here, which
 *             makes this thread its submitter: the clone (another thread)
 *             must fail with -EEXIST. On a kernel with
 *             IORING_REGISTER_DST_REPLACE (6.13 on) the rings are
 *             DEFER_TASKRUN and the clone replaces a tagged buffer of the
 *             destination, so an unfixed kernel also posts the tag's CQE
 *             from the wrong task (a lockdep WARNING in the guest log);
 *   restrict  a disabled destination is restricted (BUFFERS_UPDATE only)
 *             and enabled: the clone must fail with -EACCES.
 *
 * Prints "ok"/"not ok" per case, then "N passed, N failed"; exits 1 on a
 * failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>

/* IORING_REGISTER_DST_REPLACE (6.13), an enum constant: not in 6.12's headers */
#define DST_REPLACE (1U << 1)

static bool replace;	/* the kernel has DST_REPLACE */
static char buf[8192] __attribute__((aligned(4096)));
static const char *failed_why;
static char why[256];

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			failed_why = why;				\
			return -1;					\
		}							\
	} while (0)

static int ring_setup(unsigned int flags)
{
	struct io_uring_params p = { .flags = flags };

	return syscall(__NR_io_uring_setup, 4, &p);
}

/* io_uring_register(): the result, or -errno */
static int reg(int fd, unsigned int op, const void *arg, unsigned int nr)
{
	int ret = syscall(__NR_io_uring_register, fd, op, arg, nr);

	return ret < 0 ? -errno : ret;
}

static int register_buffer(int fd, uint64_t tag)
{
	struct iovec iov = { .iov_base = buf + (tag ? 4096 : 0), .iov_len = 4096 };
	struct io_uring_rsrc_register rr = {
		.nr = 1,
		.data = (uintptr_t)&iov,
		.tags = (uintptr_t)&tag,
	};

	return reg(fd, IORING_REGISTER_BUFFERS2, &rr, sizeof(rr));
}

/* A register call in a thread of its own, whose tid it publishes. */
struct reg_thread {
	int fd;
	unsigned int op;
	const void *arg;
	unsigned int nr;
	pthread_t thread;
	pid_t tid;
	int done;
	int ret;
};

static void *reg_thread_fn(void *arg)
{
	struct reg_thread *rt = arg;

	__atomic_store_n(&rt->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	rt->ret = reg(rt->fd, rt->op, rt->arg, rt->nr);
	__atomic_store_n(&rt->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static char task_state(pid_t tid)
{
	char path[64], st[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, st, sizeof(st) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	st[n] = 0;
	p = strrchr(st, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Start @rt and wait until it returned or sleeps uninterruptibly, which a
 * register call here only does waiting for a uring_lock. Whether it sleeps.
 */
static bool reg_thread_start(struct reg_thread *rt)
{
	pid_t tid;

	if (pthread_create(&rt->thread, NULL, reg_thread_fn, rt))
		abort();
	while (!(tid = __atomic_load_n(&rt->tid, __ATOMIC_ACQUIRE)))
		sched_yield();
	for (;;) {
		if (__atomic_load_n(&rt->done, __ATOMIC_ACQUIRE))
			return false;
		if (task_state(tid) == 'D')
			return true;
		sched_yield();
	}
}

static int reg_thread_join(struct reg_thread *rt)
{
	pthread_join(rt->thread, NULL);
	return rt->ret;
}

/* IORING_REGISTER_FILES on a ring, blocked copying its fd array. */
struct blocker {
	struct reg_thread rt;
	int uffd;
	void *page;
	long page_size;
};

/* Returns once the blocker holds @fd's uring_lock. */
static int blocker_start(struct blocker *b, int fd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register ur = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffd_msg msg;

	b->page_size = sysconf(_SC_PAGESIZE);
	b->uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	CHECK(b->uffd >= 0, "userfaultfd: %s", strerror(errno));
	CHECK(!ioctl(b->uffd, UFFDIO_API, &api), "UFFDIO_API: %s", strerror(errno));
	b->page = mmap(NULL, b->page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b->page != MAP_FAILED, "mmap: %s", strerror(errno));
	ur.range.start = (uintptr_t)b->page;
	ur.range.len = b->page_size;
	CHECK(!ioctl(b->uffd, UFFDIO_REGISTER, &ur), "UFFDIO_REGISTER: %s",
	      strerror(errno));
	b->rt = (struct reg_thread){
		.fd = fd, .op = IORING_REGISTER_FILES, .arg = b->page, .nr = 1,
	};
	if (pthread_create(&b->rt.thread, NULL, reg_thread_fn, &b->rt))
		abort();
	/* the fault is the blocker copying its fd array, under the lock */
	CHECK(read(b->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	      msg.event == UFFD_EVENT_PAGEFAULT, "no userfaultfd fault");
	return 0;
}

/* Let the blocker go: the registration fails on an fd that is not open. */
static int blocker_release(struct blocker *b)
{
	int *fds = malloc(b->page_size);
	struct uffdio_copy copy = {
		.dst = (uintptr_t)b->page,
		.src = (uintptr_t)fds,
		.len = b->page_size,
	};
	long i;
	int ret;

	for (i = 0; i < b->page_size / sizeof(*fds); i++)
		fds[i] = INT_MAX;
	CHECK(!ioctl(b->uffd, UFFDIO_COPY, &copy), "UFFDIO_COPY: %s",
	      strerror(errno));
	free(fds);
	ret = reg_thread_join(&b->rt);
	munmap(b->page, b->page_size);
	close(b->uffd);
	CHECK(ret == -EBADF, "blocker returned %d, not -EBADF", ret);
	return 0;
}

/*
 * Does a buffer clone between @a and @b take @a's lock first (always, on
 * kernels that never hold both)? A clone into @b from @a (no buffers: it
 * fails with -ENXIO under the locks) waits for @a's lock, held by a
 * blocker; a register call on @b gets through only if the clone does not
 * hold @b's lock meanwhile.
 */
static int locked_first(int a, int b, bool *first)
{
	struct io_uring_clone_buffers cb = { .src_fd = a };
	struct reg_thread clone = {
		.fd = b, .op = IORING_REGISTER_CLONE_BUFFERS, .arg = &cb, .nr = 1,
	};
	/* takes @b's lock, fails harmlessly under it */
	struct reg_thread probe = {
		.fd = b, .op = IORING_UNREGISTER_PERSONALITY, .nr = 0xffff,
	};
	struct blocker bl;
	bool waits;
	int ret;

	if (blocker_start(&bl, a))
		return -1;
	waits = reg_thread_start(&clone);
	*first = !reg_thread_start(&probe);
	if (blocker_release(&bl))
		return -1;
	CHECK(waits, "the probe clone did not wait for the source's lock");
	ret = reg_thread_join(&clone);
	CHECK(ret == -ENXIO, "probe clone returned %d, not -ENXIO", ret);
	ret = reg_thread_join(&probe);
	CHECK(ret == -EINVAL, "probe returned %d, not -EINVAL", ret);
	return 0;
}

enum change { ENABLE, RESTRICT };

static int run_case(enum change change, int *x, int *y)
{
	static const struct io_uring_restriction res[] = {
		{ .opcode = IORING_RESTRICTION_REGISTER_OP,
		  .register_op = IORING_REGISTER_BUFFERS_UPDATE },
	};
	unsigned int flags = IORING_SETUP_R_DISABLED;
	bool replace_tagged = change == ENABLE && replace, first;
	struct io_uring_clone_buffers cb = {};
	struct reg_thread clone = {
		.op = IORING_REGISTER_CLONE_BUFFERS, .arg = &cb, .nr = 1,
	};
	struct iovec none = {};
	struct io_uring_rsrc_update2 up = { .data = (uintptr_t)&none, .nr = 1 };
	struct blocker bl;
	int src, dst, ret, expect = change == ENABLE ? -EEXIST : -EACCES;

	if (change == ENABLE)
		flags |= IORING_SETUP_SINGLE_ISSUER |
			 (replace ? IORING_SETUP_DEFER_TASKRUN : 0);
	*x = ring_setup(flags);
	*y = ring_setup(flags);
	CHECK(*x >= 0 && *y >= 0, "io_uring_setup: %s", strerror(errno));
	/* the same setup for both: which is which is up to the lock order */
	if (locked_first(*x, *y, &first))
		return -1;
	src = first ? *x : *y;
	dst = first ? *y : *x;
	ret = register_buffer(src, 0);
	CHECK(ret == 0, "registering the source's buffer: %d", ret);
	if (replace_tagged) {
		/* its tag's CQE is posted when the clone replaces it */
		ret = register_buffer(dst, 0x7a9);
		CHECK(ret == 0, "registering the destination's buffer: %d", ret);
	}

	cb.src_fd = src;
	cb.flags = replace_tagged ? DST_REPLACE : 0;
	clone.fd = dst;
	if (blocker_start(&bl, src))
		return -1;
	/* the clone waits for the source's lock holding neither */
	CHECK(reg_thread_start(&clone), "the clone did not wait for the source's lock");
	if (change == RESTRICT) {
		ret = reg(dst, IORING_REGISTER_RESTRICTIONS, res, 1);
		CHECK(ret == 0, "IORING_REGISTER_RESTRICTIONS: %d", ret);
	}
	ret = reg(dst, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	CHECK(ret == 0, "IORING_REGISTER_ENABLE_RINGS: %d", ret);
	if (blocker_release(&bl))
		return -1;
	ret = reg_thread_join(&clone);
	CHECK(ret == expect, "the clone returned %d (%s), expected %d (%s)",
	      ret, ret ? strerror(-ret) : "success", expect, strerror(-expect));
	/* the destination's table as before: one buffer, or none */
	ret = reg(dst, IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up));
	CHECK(ret == (replace_tagged ? 1 : -ENXIO),
	      "the destination's buffers changed (update returned %d)", ret);
	return 0;
}

/* A flag the kernel does not know fails the clone before the source. */
static bool has_dst_replace(void)
{
	struct io_uring_clone_buffers cb = { .flags = DST_REPLACE };
	int a = ring_setup(0), b = ring_setup(0), ret;

	cb.src_fd = a;
	ret = reg(b, IORING_REGISTER_CLONE_BUFFERS, &cb, 1);
	close(a);
	close(b);
	return ret != -EINVAL;
}

int main(void)
{
	static const char *const names[] = { "buffers_dst_enabled", "buffers_dst_restricted" };
	int passed = 0, failed = 0, i, x, y;

	alarm(120);
	setvbuf(stdout, NULL, _IOLBF, 0);
	replace = has_dst_replace();
	printf("# buffer-clone relock window, %s\n", replace ?
	       "enable case with DEFER_TASKRUN and DST_REPLACE of a tagged buffer" :
	       "no IORING_REGISTER_DST_REPLACE in this kernel: errno only");
	for (i = 0; i < 2; i++) {
		x = y = -1;
		failed_why = NULL;
		if (run_case(i, &x, &y) == 0) {
			printf("ok %d %s\n", i + 1, names[i]);
			passed++;
		} else {
			printf("not ok %d %s: %s\n", i + 1, names[i], failed_why);
			failed++;
		}
		close(x);
		close(y);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
