/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the IORING_REGISTER_CLONE_FILES stress programs.
 *
 * The rings are driven with mini_liburing.h and progs/uring.h (raw
 * syscalls, no liburing); this header adds what every stress program needs
 * on top: subtests run in a child process each, checks that end the
 * subtest, test files whose content tells which file a fixed slot holds,
 * file table layouts, tag completions and reference checks.
 */

#ifndef __CLONE_FILES_STRESS_H
#define __CLONE_FILES_STRESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"	/* progs/: mini_liburing.h and its helpers */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define MAX_FIXED_FILES	(1U << 20)	/* IORING_MAX_FIXED_FILES */
#define RINGFD_REG_MAX	16		/* IO_RINGFD_REG_MAX */
#define SKIP_STATUS	77		/* exit status of a skipped subtest */

/* ---- checks: a failed check prints and ends the subtest's process ---- */

/* What the subtest is doing, printed with a failed check. */
static __thread char t_context[200];
#define CTX(...)	snprintf(t_context, sizeof(t_context), __VA_ARGS__)

static inline void __attribute__((noreturn, format(printf, 3, 4)))
die_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("  FAILED %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (t_context[0])
		printf(" [%s]", t_context);
	printf("\n");
	fflush(stdout);
	_exit(1);	/* also from a thread: the whole subtest fails */
}

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			die_at(__FILE__, __LINE__, "%s", #cond);	\
	} while (0)

#define CHECK_EQ(exp, got)						\
	do {								\
		long long _e = (long long)(exp), _g = (long long)(got);\
		if (_e != _g)						\
			die_at(__FILE__, __LINE__,			\
			       "%s == %s: expected %lld, got %lld",	\
			       #exp, #got, _e, _g);			\
	} while (0)

static inline void __attribute__((noreturn, format(printf, 1, 2)))
skip_test(const char *fmt, ...)
{
	va_list ap;

	printf("  SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(SKIP_STATUS);
}

/* ---- subtests: one child process each, counted in the closing line ---- */

static struct {
	int passed, failed, skipped;
} tally;

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Runs fn(arg) in a child process that is killed after @timeout_s seconds;
 * it passes if it returns, fails on a failed check, a signal or the timeout.
 */
static inline void run_test(const char *name, void (*fn)(void *), void *arg,
		     unsigned int timeout_s)
{
	double t0 = now_s();
	int status;
	pid_t pid;

	printf("%s\n", name);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("  FAILED: fork: %s\n", strerror(errno));
		tally.failed++;
		return;
	}
	if (!pid) {
		alarm(timeout_s);
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		printf("  FAILED: waitpid: %s\n", strerror(errno));
		tally.failed++;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok   %s (%.1f s)\n", name, now_s() - t0);
		tally.passed++;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS) {
		printf("skip %s\n", name);
		tally.skipped++;
	} else {
		if (WIFSIGNALED(status))
			printf("  killed by signal %d%s\n", WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		printf("FAIL %s (%.1f s)\n", name, now_s() - t0);
		tally.failed++;
	}
	fflush(stdout);
}

/* Prints the closing line; returns the exit status of the program. */
static inline int summary(void)
{
	printf("%d passed, %d failed", tally.passed, tally.failed);
	if (tally.skipped)
		printf(", %d skipped", tally.skipped);
	printf("\n");
	fflush(stdout);
	return tally.failed ? 1 : 0;
}

/* Line-buffered output, so that children and parent interleave by lines. */
static inline void stress_init(void)
{
	struct io_uring r;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = ring_init(&r, 1, 0);
	if (ret) {
		printf("io_uring unavailable: %s\n", strerror(-ret));
		printf("0 passed, 0 failed, 1 skipped\n");
		exit(0);
	}
	ring_exit(&r);
}

/* ---- test files: file i holds TFILE_LEN bytes "stress-file-%04d" ---- */

#define MAX_TFILES	64
#define TFILE_LEN	16
#define NOT_A_FILE	10000	/* slot_file(): read something else */

struct tfiles {
	char dir[64];
	char path[MAX_TFILES][96];
	int fd[MAX_TFILES];
	int nr;
	int sentinel;		/* fd registered for SENTINEL slots, or -1 */
};

static inline void tfile_content(int i, char *buf)
{
	char tmp[TFILE_LEN + 1];

	snprintf(tmp, sizeof(tmp), "stress-file-%04d", i);
	memcpy(buf, tmp, TFILE_LEN);
}

static inline void tfiles_create(struct tfiles *tf, int nr)
{
	char buf[TFILE_LEN];
	int i;

	CHECK(nr <= MAX_TFILES);
	memset(tf, 0, sizeof(*tf));
	tf->sentinel = -1;
	snprintf(tf->dir, sizeof(tf->dir), "/tmp/clone-stress.XXXXXX");
	CHECK(mkdtemp(tf->dir) != NULL);
	for (i = 0; i < nr; i++) {
		snprintf(tf->path[i], sizeof(tf->path[i]), "%s/f%d", tf->dir, i);
		tf->fd[i] = open(tf->path[i], O_RDWR | O_CREAT | O_EXCL |
				 O_CLOEXEC, 0600);
		CHECK(tf->fd[i] >= 0);
		tfile_content(i, buf);
		CHECK_EQ(TFILE_LEN, pwrite(tf->fd[i], buf, TFILE_LEN, 0));
		tf->nr = i + 1;
	}
}

static inline void tfiles_destroy(struct tfiles *tf)
{
	int i;

	for (i = 0; i < tf->nr; i++) {
		close(tf->fd[i]);
		unlink(tf->path[i]);
	}
	rmdir(tf->dir);
	tf->nr = 0;
}

/* Which test file fixed @slot holds, -errno of the read, or NOT_A_FILE. */
static inline int slot_file(struct io_uring *r, unsigned int slot)
{
	char buf[TFILE_LEN + 1], want[TFILE_LEN];
	int ret, i;

	memset(buf, 0, sizeof(buf));
	ret = fixed_read(r, slot, buf, TFILE_LEN, 0);
	if (ret < 0)
		return ret;
	if (ret != TFILE_LEN || sscanf(buf, "stress-file-%4d", &i) != 1 ||
	    i < 0 || i >= MAX_TFILES)
		return NOT_A_FILE;
	tfile_content(i, want);
	return memcmp(buf, want, TFILE_LEN) ? NOT_A_FILE : i;
}

/* ---- file table layouts: file[slot] is a test file or EMPTY ---- */

#define EMPTY		(-1)
/* the write end of a sentinel pipe (tfiles.sentinel): occupied, reads -EBADF */
#define SENTINEL	(-2)
#define MAX_SLOTS	128

/* What a fixed read of a slot holding @file returns (see slot_file()). */
static inline int slot_expect(int file)
{
	return file < 0 ? -EBADF : file;
}

struct layout {
	unsigned int nr;		/* table size, 0: no table */
	int file[MAX_SLOTS];
	__u64 tag[MAX_SLOTS];		/* 0: untagged */
	unsigned int alloc_start, alloc_end;	/* file allocation range */
};

static inline void register_layout(struct io_uring *r,
				   const struct tfiles *tf, struct layout *l)
{
	int fds[MAX_SLOTS];
	unsigned int i;

	CHECK(l->nr > 0 && l->nr <= MAX_SLOTS);
	for (i = 0; i < l->nr; i++) {
		if (l->file[i] == SENTINEL)
			CHECK(tf->sentinel >= 0);
		fds[i] = l->file[i] == EMPTY ? -1 :
			 l->file[i] == SENTINEL ? tf->sentinel :
			 tf->fd[l->file[i]];
		if (l->file[i] == EMPTY)
			l->tag[i] = 0;
	}
	CHECK_EQ(0, io_uring_register_files_tags(r, fds, l->tag, l->nr));
	l->alloc_start = 0;
	l->alloc_end = l->nr;
}

/* The table has exactly @nr slots (0: no table), probed without changes. */
static inline void check_size(struct io_uring *r, unsigned int nr)
{
	int skip = IORING_REGISTER_FILES_SKIP;

	if (!nr) {
		CHECK_EQ(-ENXIO, io_uring_register_files_update_tag(r, 0, &skip,
								    NULL, 1));
		return;
	}
	CHECK_EQ(1, io_uring_register_files_update_tag(r, nr - 1, &skip, NULL,
						       1));
	CHECK_EQ(-EINVAL, io_uring_register_files_update_tag(r, nr, &skip, NULL,
							     1));
}

static inline void check_layout(struct io_uring *r, const struct layout *l)
{
	unsigned int i;

	check_size(r, l->nr);
	for (i = 0; i < l->nr; i++) {
		int got = slot_file(r, i);

		if (got != slot_expect(l->file[i]))
			die_at(__FILE__, __LINE__,
			       "ring %d slot %u: expected %d, got %d",
			       r->ring_fd, i, slot_expect(l->file[i]), got);
	}
	if (!l->nr)
		CHECK_EQ(-EBADF, slot_file(r, 0));
}

/* The slot IORING_FILE_INDEX_ALLOC must pick in @l, or -ENFILE. */
static inline int layout_alloc_slot(const struct layout *l)
{
	unsigned int i;

	if (!l->nr)
		return -ENFILE;
	for (i = l->alloc_start; i < l->alloc_end; i++)
		if (l->file[i] == EMPTY)
			return i;
	return -ENFILE;
}

/* A direct open with IORING_FILE_INDEX_ALLOC takes the expected slot. */
static inline void check_alloc(struct io_uring *r, const struct tfiles *tf,
			       const struct layout *l)
{
	int want = layout_alloc_slot(l), got;

	got = open_direct(r, tf->path[0], O_RDONLY, IORING_FILE_INDEX_ALLOC);
	CHECK_EQ(want, got);
	if (got < 0)
		return;
	CHECK_EQ(0, slot_file(r, got));
	CHECK_EQ(0, close_direct(r, got));
}

/*
 * Applies a successful clone of @src to the model @dst.  @src may be @dst
 * (a self clone): the source is read as it was before the call, so
 * overlapping ranges behave like memmove().
 */
static inline void layout_clone(struct layout *dst, const struct layout *src_l,
			 unsigned int src_off, unsigned int dst_off,
			 unsigned int nr, __u64 *replaced_tags, int *nr_replaced)
{
	unsigned int i, old_nr = dst->nr, new_nr;
	bool whole = !dst->alloc_start && dst->alloc_end == old_nr;
	struct layout snap = *src_l;
	const struct layout *src = &snap;

	if (!nr)
		nr = src->nr;
	new_nr = dst_off + nr > old_nr ? dst_off + nr : old_nr;
	CHECK(new_nr <= MAX_SLOTS);
	for (i = old_nr; i < new_nr; i++) {
		dst->file[i] = EMPTY;
		dst->tag[i] = 0;
	}
	*nr_replaced = 0;
	for (i = 0; i < nr; i++) {
		unsigned int d = dst_off + i;

		if (dst->file[d] != EMPTY && dst->tag[d])
			replaced_tags[(*nr_replaced)++] = dst->tag[d];
		dst->file[d] = src->file[src_off + i];
		dst->tag[d] = 0;
	}
	dst->nr = new_nr;
	if (whole) {
		dst->alloc_start = 0;
		dst->alloc_end = new_nr;
	}
}

/* ---- completions ---- */

static inline int sort_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * A slot's tag is posted once no request uses the slot's old node any
 * more.  A request that io-wq completed drops its node in task_work after
 * its own CQE was posted, so a tag can come a little after the CQE of the
 * last request that used the slot.
 */
#define TAG_WAIT_MS	5000

/*
 * Pops the CQEs of @r into @out (room for @max) until @want have come, or
 * none for TAG_WAIT_MS; returns how many came, tag completions (res 0) or
 * not.  *@other counts those that are no tag completion.
 */
static inline int collect_tags(struct io_uring *r, __u64 *out, int max,
			       int want, int *other)
{
	struct __kernel_timespec ts = { .tv_nsec = 1000000 };
	struct io_uring_getevents_arg arg = { .ts = (uintptr_t)&ts };
	struct io_uring_cqe *cqe;
	int n = 0, idle_ms = 0;

	*other = 0;
	for (;;) {
		while (!io_uring_peek_cqe(r, &cqe)) {
			if (cqe->res)
				(*other)++;
			else if (n < max)
				out[n++] = cqe->user_data;
			idle_ms = 0;
			io_uring_cqe_seen(r);
		}
		if (n + *other >= want || idle_ms++ > TAG_WAIT_MS)
			return n;
		/* runs task_work; returns on a CQE or after 1 ms */
		syscall(__NR_io_uring_enter, r->ring_fd, 0, 1,
			IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
			&arg, sizeof(arg));
	}
}

/*
 * The CQEs pending on @r, once the @nr expected ones have come
 * (collect_tags()), are exactly the tag completions @exp, in any order,
 * and no helper of uring.h skipped a CQE of @r on its way to its own
 * since the ring was set up.
 */
static inline void expect_tags(struct io_uring *r, const __u64 *exp, int nr)
{
	__u64 got[MAX_SLOTS + 1], want[MAX_SLOTS];
	unsigned int skipped;
	int i, n, other;

	CHECK(nr <= MAX_SLOTS);
	n = collect_tags(r, got, MAX_SLOTS + 1, nr, &other);
	skipped = __atomic_load_n(skipped_cqes(r), __ATOMIC_RELAXED);
	if (skipped)
		die_at(__FILE__, __LINE__, "%u unexpected CQEs on ring %d",
		       skipped, r->ring_fd);
	if (other)
		die_at(__FILE__, __LINE__, "ring %d posted %d CQEs that are "
		       "no tag completion", r->ring_fd, other);
	if (n != nr)
		die_at(__FILE__, __LINE__, "ring %d posted %d tag CQEs, not %d",
		       r->ring_fd, n, nr);
	memcpy(want, exp, nr * sizeof(*exp));
	qsort(want, nr, sizeof(*want), sort_u64);
	qsort(got, n, sizeof(*got), sort_u64);
	for (i = 0; i < nr; i++)
		if (want[i] != got[i])
			die_at(__FILE__, __LINE__, "ring %d: tag 0x%llx, not 0x%llx",
			       r->ring_fd, (unsigned long long)got[i],
			       (unsigned long long)want[i]);
}

static inline void expect_no_cqe(struct io_uring *r)
{
	expect_tags(r, NULL, 0);
}

/* Every tag of @l, as unregistering or closing the table posts them. */
static inline int layout_tags(const struct layout *l, __u64 *tags)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < l->nr; i++)
		if (l->file[i] != EMPTY && l->tag[i])
			tags[n++] = l->tag[i];
	return n;
}

/* Unregisters @r's table, which must post exactly the tags of @l. */
static inline void unregister_expect_tags(struct io_uring *r,
					  const struct layout *l)
{
	__u64 tags[MAX_SLOTS];

	CHECK_EQ(0, io_uring_unregister_files(r));
	expect_tags(r, tags, layout_tags(l, tags));
}

/* ---- processes, threads, limits and references ---- */

static inline int run_thread(void *(*fn)(void *), void *arg)
{
	pthread_t thread;
	int ret;

	ret = pthread_create(&thread, NULL, fn, arg);
	if (ret)
		return -ret;
	return -pthread_join(thread, NULL);
}

static inline int set_nofile(rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };

	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

/*
 * A child process that owns rings, for sources of another process: it runs
 * owner(arg, report, sync) and _exits with its result.  The owner creates
 * its rings, writes their fd numbers to @report and then waits for EOF on
 * @sync, which owner_release() gives it.
 */
struct owner_child {
	pid_t pid;
	int sync;	/* write end of the sync pipe */
};

/*
 * Forks the owner, reads the @nr fd numbers it reports and fetches those
 * fds into @fds with pidfd_getfd(): -1 where that fails, errno as it left.
 */
static inline void owner_fork(struct owner_child *c,
			      int (*owner)(void *arg, int report, int sync),
			      void *arg, int *fds, int nr)
{
	int report[2], sync[2], pidfd, err = 0, i;

	CHECK_EQ(0, pipe(report));
	CHECK_EQ(0, pipe(sync));
	c->pid = fork();
	CHECK(c->pid >= 0);
	if (!c->pid) {
		close(report[0]);
		close(sync[1]);
		_exit(owner(arg, report[1], sync[0]));
	}
	close(report[1]);
	close(sync[0]);
	c->sync = sync[1];
	CHECK_EQ(nr * sizeof(*fds), read(report[0], fds, nr * sizeof(*fds)));
	close(report[0]);
	pidfd = syscall(__NR_pidfd_open, c->pid, 0);
	CHECK(pidfd >= 0);
	for (i = 0; i < nr; i++) {
		fds[i] = syscall(__NR_pidfd_getfd, pidfd, fds[i], 0);
		if (fds[i] < 0)
			err = errno;
	}
	close(pidfd);
	if (err)
		errno = err;
}

/*
 * Lets the owner go on past its wait and waits for it: its exit status,
 * 128 if it did not exit, -1 if waitpid() fails.
 */
static inline int owner_release(struct owner_child *c)
{
	int status;

	close(c->sync);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * Reads a sysctl/debugfs/module parameter file into @buf, NUL-terminated;
 * the length read or -errno.
 */
static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/* Writes @val to a sysctl/debugfs file; 0 or -errno. */
static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * References: the write end of a pipe is put in a file table and cloned
 * around; once every slot and fd holding it is gone, the read end sees EOF.
 * Ring teardown is asynchronous, so wait up to @timeout_ms for it.
 * Returns 0 on EOF, -ETIMEDOUT, or -EIO if data arrived instead.
 */
static inline int wait_eof(int rfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	double end = now_s() + timeout_ms / 1000.0;
	char c;

	for (;;) {
		int left = (int)((end - now_s()) * 1000);
		int ret;

		if (left < 0)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			return -ETIMEDOUT;
		ret = read(rfd, &c, 1);
		if (ret == 0)
			return 0;
		if (ret > 0)
			return -EIO;
	}
}

/* A pipe for wait_eof(): p[0] read end (O_NONBLOCK), p[1] write end. */
static inline void sentinel_pipe(int p[2])
{
	CHECK_EQ(0, pipe2(p, O_CLOEXEC));
	CHECK_EQ(0, fcntl(p[0], F_SETFL, O_NONBLOCK));
}

/* Small xorshift PRNG, reproducible from a printed seed. */
static __thread __u64 rng_state = 1;	/* per thread, never 0 */

static inline __u64 rnd64(void)
{
	__u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static inline unsigned int rnd(unsigned int n)
{
	return n ? rnd64() % n : 0;
}

/* ---- restrictions ---- */

#define SQE_OP(op)	{ .opcode = IORING_RESTRICTION_SQE_OP, \
			  .sqe_op = (op) }
#define REG_OP(op)	{ .opcode = IORING_RESTRICTION_REGISTER_OP, \
			  .register_op = (op) }
#define SQE_FLAGS(f)	{ .opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED, \
			  .sqe_flags = (f) }

/*
 * A ring restricted like one handed to less trusted code: fixed reads,
 * and what the fuzzers do to its table.
 */
static const struct io_uring_restriction fixed_read_res[] = {
	SQE_OP(IORING_OP_READ), SQE_FLAGS(IOSQE_FIXED_FILE),
	REG_OP(IORING_REGISTER_FILES2), REG_OP(IORING_REGISTER_FILES_UPDATE2),
	REG_OP(IORING_UNREGISTER_FILES), REG_OP(IORING_REGISTER_CLONE_FILES),
};

/* ---- results of clone calls: 0 and the documented errnos ---- */

/*
 * Every result IORING_REGISTER_CLONE_FILES may return, as listed in
 * Documentation/userspace-api/io_uring-clone-files.rst (with EBADF and
 * EOPNOTSUPP also for the destination's fd); anything else is a bug.
 */
static const int clone_results[] = {
	0, EINVAL, EFAULT, EBADF, EOPNOTSUPP, EEXIST, EACCES, EBUSY, ENXIO,
	EOVERFLOW, EMFILE, ENOMEM,
};
#define NR_RESULTS	ARRAY_SIZE(clone_results)

/* The index of @ret (0 or -errno) in clone_results[], -1 if not there. */
static inline int result_index(int ret)
{
	unsigned int i;

	for (i = 0; i < NR_RESULTS; i++)
		if (-ret == clone_results[i])
			return i;
	return -1;
}

/* A set of results, as a mask of clone_results[] indexes. */
static inline unsigned int rbit(int ret)
{
	int i = result_index(ret);

	if (i < 0)
		die_at(__FILE__, __LINE__, "%d is no clone result", ret);
	return 1U << i;
}

/* How often each result came back. */
struct errno_mix {
	unsigned long n[NR_RESULTS];
};

static inline unsigned long mix_total(const struct errno_mix *m)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < NR_RESULTS; i++)
		sum += m->n[i];
	return sum;
}

static inline void mix_add(struct errno_mix *sum, const struct errno_mix *m)
{
	unsigned int i;

	for (i = 0; i < NR_RESULTS; i++)
		sum->n[i] += m->n[i];
}

/* Writes "0=N EINVAL=N ..." for the results in @mask (all: ~0U). */
static inline char *mix_str(char *buf, size_t size, const unsigned long *n,
			    unsigned int mask)
{
	unsigned int i;
	size_t len = 0;

	buf[0] = 0;
	for (i = 0; i < NR_RESULTS && len < size; i++) {
		if (!(mask & (1U << i)))
			continue;
		len += snprintf(buf + len, size - len, "%s%s", len ? " " : "",
				i ? strerrorname_np(clone_results[i]) : "0");
		if (n && len < size)
			len += snprintf(buf + len, size - len, "=%lu", n[i]);
	}
	return buf;
}

/* "  @label: 0=N EINVAL=N ...", every documented result, zeros too. */
static inline void mix_print(const char *label, const struct errno_mix *m)
{
	char buf[400];

	printf("  %s: %s\n", label, mix_str(buf, sizeof(buf), m->n, ~0U));
}

/* ---- growable table models (the fuzzers) ---- */

/* a slot another thread filled: read once, then known (table_check()) */
#define UNKNOWN		(-3)

/* The model of a file table, which clones may grow to any size. */
struct table {
	unsigned int nr, cap;
	int *file;		/* test file, EMPTY, SENTINEL, UNKNOWN */
	__u64 *tag;
};

static inline void table_grow(struct table *t, unsigned int nr)
{
	unsigned int i;

	if (nr > t->cap) {
		t->file = realloc(t->file, nr * sizeof(*t->file));
		t->tag = realloc(t->tag, nr * sizeof(*t->tag));
		CHECK(t->file && t->tag);
		t->cap = nr;
	}
	for (i = t->nr; i < nr; i++) {
		t->file[i] = EMPTY;
		t->tag[i] = 0;
	}
	if (nr > t->nr)
		t->nr = nr;
}

static inline void table_free(struct table *t)
{
	free(t->file);
	free(t->tag);
	memset(t, 0, sizeof(*t));
}

/*
 * Rolls a random table of @tf's first @nfiles files into the model @t and
 * the fds that register it into @fds (room for 64): @state 0 none,
 * 1 sparse, 2 full (a few sentinels), 3 tagged (@tag_base | slot, a third
 * empty).  Returns its size.
 */
static inline unsigned int table_roll_layout(struct table *t,
					     const struct tfiles *tf,
					     unsigned int nfiles,
					     unsigned int state,
					     __u64 tag_base, int *fds)
{
	unsigned int nr = 1 + rnd(rnd(4) ? 16 : 64), i;

	t->nr = 0;
	if (state == 0)
		return 0;
	table_grow(t, nr);
	for (i = 0; i < nr; i++) {
		switch (state) {
		case 1:
			t->file[i] = EMPTY;
			break;
		case 2:
			t->file[i] = rnd(16) ? (int)rnd(nfiles) : SENTINEL;
			break;
		default:
			t->file[i] = rnd(3) ? (int)rnd(nfiles) : EMPTY;
			if (t->file[i] != EMPTY)
				t->tag[i] = tag_base | i;
		}
		fds[i] = t->file[i] == EMPTY ? -1 :
			 t->file[i] == SENTINEL ? tf->sentinel :
			 tf->fd[t->file[i]];
	}
	return nr;
}

/*
 * Registers a random table (see table_roll_layout()) on @r, which has
 * none.  Returns the state's name.
 */
static inline const char *table_register(struct io_uring *r, struct table *t,
					 const struct tfiles *tf,
					 unsigned int nfiles,
					 unsigned int state, __u64 tag_base)
{
	static const char *const names[] = { "none", "sparse", "full", "tagged" };
	unsigned int nr;
	int fds[64];

	nr = table_roll_layout(t, tf, nfiles, state, tag_base, fds);
	if (state == 1)
		CHECK_EQ(0, io_uring_register_files_sparse(r, nr));
	else if (state)
		CHECK_EQ(0, io_uring_register_files_tags(r, fds, t->tag, nr));
	return names[state];
}

/*
 * Fixed slot @i of @r holds what the model says.  An unknown slot may
 * hold any test file or none, and is known from then on.
 */
static inline void table_check_slot(struct io_uring *r, struct table *t,
				    unsigned int i)
{
	int got = slot_file(r, i);

	if (t->file[i] == UNKNOWN) {
		CHECK(got == -EBADF || (got >= 0 && got < MAX_TFILES));
		t->file[i] = got < 0 ? EMPTY : got;
	}
	CHECK_EQ(slot_expect(t->file[i]), got);
}

/*
 * The ring's table is what the model says: size, every occupied slot and
 * (for big tables a sample of) the empty and unknown ones; no CQE pending.
 */
static inline void table_check(const char *name, struct io_uring *r,
			       struct table *t)
{
	unsigned int i;

	expect_no_cqe(r);
	check_size(r, t->nr);
	for (i = 0; i < t->nr; i++) {
		if ((t->file[i] == EMPTY || t->file[i] == UNKNOWN) &&
		    (t->nr > 128 && rnd(t->nr / 32)))
			continue;
		CTX("%s slot %u of %u", name, i, t->nr);
		table_check_slot(r, t, i);
	}
}

/* Unregistering posts exactly the tags of the model. */
static inline void table_unregister(struct io_uring *r, struct table *t)
{
	__u64 tags[64];
	unsigned int i;
	int n = 0;

	if (!t->nr)
		return;
	for (i = 0; i < t->nr; i++)
		if (t->file[i] != EMPTY && t->tag[i]) {
			CHECK(n < 64);
			tags[n++] = t->tag[i];
		}
	CHECK_EQ(0, io_uring_unregister_files(r));
	expect_tags(r, tags, n);
	t->nr = 0;
}

/*
 * Applies a successful clone of @n slots to the model @dt: @st's slots
 * [@src_off, @src_off + @n) as they were before the call (@st may be @dt:
 * a self clone copies like memmove()), or UNKNOWN ones if @st is NULL (a
 * source other threads change).  The tags of the replaced slots go to
 * @tags (room for 64); returns how many.
 */
static inline int table_apply_clone(struct table *dt, const struct table *st,
				    unsigned int src_off, unsigned int dst_off,
				    unsigned int n, __u64 *tags)
{
	unsigned int i;
	int nr_tags = 0, *files;

	files = malloc(n * sizeof(*files));
	CHECK(files != NULL);
	for (i = 0; i < n; i++)
		files[i] = st ? st->file[src_off + i] : UNKNOWN;
	table_grow(dt, dst_off + n);
	for (i = 0; i < n; i++) {
		unsigned int d = dst_off + i;

		if (dt->file[d] != EMPTY && dt->tag[d]) {
			CHECK(nr_tags < 64);
			tags[nr_tags++] = dt->tag[d];
		}
		dt->file[d] = files[i];
		dt->tag[d] = 0;
	}
	free(files);
	return nr_tags;
}

/* ---- random clone arguments (the fuzzers) ---- */

/*
 * What both fuzzers start from: RLIMIT_NOFILE at @nofile (soft and hard),
 * fd @closed_fd closed, @nfiles test files, and the pipe @sp whose write
 * end is @tf's sentinel.
 */
static inline void fuzz_files(struct tfiles *tf, int nfiles, int sp[2],
			      rlim_t nofile, int closed_fd)
{
	CHECK_EQ(0, set_nofile(nofile, nofile));
	close(closed_fd);
	tfiles_create(tf, nfiles);
	sentinel_pipe(sp);
	tf->sentinel = sp[1];
}

enum arg_kind { ARG_VALID, ARG_NULL, ARG_UNMAPPED, ARG_EDGE };

/* Where a call's argument cannot be read: the fuzzers' EFAULT cases. */
struct arg_area {
	char *unmapped;		/* a page that cannot be read */
	char *edge;		/* the last 16 readable bytes before it */
};

static inline void arg_area_init(struct arg_area *a)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED);
	/* PROT_NONE, not munmap(): later mmaps could fill a hole */
	CHECK_EQ(0, mprotect(map + page, page, PROT_NONE));
	a->unmapped = map + page;
	a->edge = map + page - 16;
}

/* The argument pointer of @kind: @valid, NULL or one that faults. */
static inline void *arg_ptr(const struct arg_area *a, enum arg_kind kind,
			    struct io_uring_clone_buffers *valid)
{
	switch (kind) {
	case ARG_NULL:
		return NULL;
	case ARG_UNMAPPED:
		return a->unmapped;
	case ARG_EDGE:
		/* the first half readable: the copy still faults */
		memcpy(a->edge, valid, 16);
		return a->edge;
	default:
		return valid;
	}
}

/* Flags: mostly the valid bits, sometimes unknown ones. */
static inline __u32 edge_flags(void)
{
	switch (rnd(10)) {
	case 0:
		return (__u32)rnd64();
	case 1:
		return rnd(4) | 1U << rnd(32);
	default:
		return rnd(4);
	}
}

/*
 * Offsets and counts: mostly edges of the tables' sizes (@src_nr,
 * @dst_nr) and of the limits (@nofile, RLIMIT_NOFILE's hard limit, and
 * @cur_nofile, the soft limit in force).
 */
static inline __u32 edge_u32(unsigned int src_nr, unsigned int dst_nr,
			     __u32 nofile, __u32 cur_nofile)
{
	switch (rnd(16)) {
	case 0: case 1: case 2: case 3: return 0;
	case 4: return 1;
	case 5: return src_nr;
	case 6: return src_nr + rnd(3) - 1;
	case 7: return dst_nr + rnd(3) - 1;
	case 8: return UINT_MAX - rnd(3);
	case 9: return MAX_FIXED_FILES - rnd(3);
	case 10: return rnd(2) ? nofile - rnd(3) : cur_nofile + rnd(3) - 1;
	case 11: return (__u32)rnd64();
	case 12: return 1U << rnd(32);
	default: return rnd(70);
	}
}

/*
 * The range of a call: within a source table of @src_nr slots if
 * @plausible (so that many calls get through; with DST_REPLACE mostly),
 * else edges everywhere (edge_u32()).
 */
static inline void edge_range(struct io_uring_clone_buffers *cf, bool plausible,
			      unsigned int src_nr, unsigned int dst_nr,
			      __u32 nofile, __u32 cur_nofile)
{
	if (plausible) {
		cf->flags |= rnd(4) ? IORING_REGISTER_DST_REPLACE : 0;
		cf->nr = rnd(src_nr + 1);
		if (cf->nr) {
			cf->src_off = rnd(src_nr - cf->nr + 1);
			cf->dst_off = rnd(4) ? rnd(70) :
				      edge_u32(src_nr, dst_nr, nofile,
					       cur_nofile);
		}
		return;
	}
	cf->src_off = edge_u32(src_nr, dst_nr, nofile, cur_nofile);
	cf->dst_off = edge_u32(src_nr, dst_nr, nofile, cur_nofile);
	cf->nr = edge_u32(src_nr, dst_nr, nofile, cur_nofile);
}

/* pad (mostly zero), nr_args (mostly 1) and the argument's kind */
static inline void edge_tail(struct io_uring_clone_buffers *cf,
			     unsigned int *nr_args, enum arg_kind *arg)
{
	if (!rnd(20))
		cf->pad[rnd(3)] = 1 + rnd(UINT_MAX);
	*nr_args = rnd(20) ? 1 : rnd(2) ? rnd(3) : (__u32)rnd64();
	switch (rnd(30)) {
	case 0: *arg = ARG_NULL; break;
	case 1: *arg = ARG_UNMAPPED; break;
	case 2: *arg = ARG_EDGE; break;
	default: *arg = ARG_VALID;
	}
}

/* A count option (-n), decimal or 0x hex; false if it is none. */
static inline bool parse_count(const char *s, unsigned long *val)
{
	char *end;

	errno = 0;
	*val = strtoul(s, &end, 0);
	return !errno && end != s && !*end && *s != '-';
}

/*
 * A time cap option (-t) in seconds; 0 (or less) means none, given as
 * INFINITY.  False if it is no number.
 */
static inline bool parse_time_cap(const char *s, double *val)
{
	char *end;

	*val = strtod(s, &end);
	if (end == s || *end)
		return false;
	if (*val <= 0)
		*val = INFINITY;
	return true;
}

/*
 * The options both fuzzers take: -s SEED, -n CALLS, -t SECONDS (0: no
 * time cap).  Returns 1 if @opt is one of them, 0 if not, -1 if its value
 * is no number.
 */
static inline int fuzz_option(int opt, const char *arg, __u64 *seed,
			      unsigned long *calls, double *time_cap)
{
	switch (opt) {
	case 's':
		*seed = strtoull(arg, NULL, 0);
		return 1;
	case 'n':
		return parse_count(arg, calls) ? 1 : -1;
	case 't':
		return parse_time_cap(arg, time_cap) ? 1 : -1;
	default:
		return 0;
	}
}

/*
 * The run_test() timeout for a program whose loop stops after @time_cap
 * seconds, @slack more for setup and checks: 0 (no alarm) without a cap.
 */
static inline unsigned int cap_timeout(double time_cap, unsigned int slack)
{
	return time_cap < 30 * 86400.0 ? (unsigned int)time_cap + slack : 0;
}

#endif /* __CLONE_FILES_STRESS_H */
