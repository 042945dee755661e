/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the IORING_REGISTER_CLONE_FILES stress programs.
 *
 * The ring helpers are the kselftests' io_uring_util.h (raw syscalls, no
 * liburing), found through -I; this header adds what every stress program
 * needs on top: subtests run in a child process each, checks that end the
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

#include "uring.h"	/* progs/: io_uring_util.h and clone_files() */

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
	struct ring r;
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
static inline int slot_file(struct ring *r, unsigned int slot)
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

static inline void register_layout(struct ring *r, const struct tfiles *tf,
			    struct layout *l)
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
	CHECK_EQ(0, ring_register_files_tags(r, fds, l->tag, l->nr));
	l->alloc_start = 0;
	l->alloc_end = l->nr;
}

/* The table has exactly @nr slots (0: no table), probed without changes. */
static inline void check_size(struct ring *r, unsigned int nr)
{
	int skip = IORING_REGISTER_FILES_SKIP;

	if (!nr) {
		CHECK_EQ(-ENXIO, ring_update_files(r, 0, &skip, NULL, 1));
		return;
	}
	CHECK_EQ(1, ring_update_files(r, nr - 1, &skip, NULL, 1));
	CHECK_EQ(-EINVAL, ring_update_files(r, nr, &skip, NULL, 1));
}

static inline void check_layout(struct ring *r, const struct layout *l)
{
	unsigned int i;

	check_size(r, l->nr);
	for (i = 0; i < l->nr; i++) {
		int got = slot_file(r, i);

		if (got != slot_expect(l->file[i]))
			die_at(__FILE__, __LINE__,
			       "ring %d slot %u: expected %d, got %d", r->fd,
			       i, slot_expect(l->file[i]), got);
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
static inline void check_alloc(struct ring *r, const struct tfiles *tf,
			const struct layout *l)
{
	int want = layout_alloc_slot(l), got;

	got = ring_open_direct(r, tf->path[0], O_RDONLY,
			       IORING_FILE_INDEX_ALLOC);
	CHECK_EQ(want, got);
	if (got < 0)
		return;
	CHECK_EQ(0, slot_file(r, got));
	CHECK_EQ(0, ring_close_direct(r, got));
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
 * The CQEs pending on @r are exactly the tag completions @exp, in any order,
 * and no other CQE was skipped by a helper since the last check.  A tag is
 * posted once no request uses the slot's old node any more, which for a
 * request completed by io-wq can be a little after its CQE: wait for the
 * missing ones up to TAG_WAIT_MS.
 */
#define TAG_WAIT_MS	3000

static inline void expect_tags(struct ring *r, const __u64 *exp, int nr)
{
	__u64 got[MAX_SLOTS + 1], want[MAX_SLOTS];
	double end = now_s() + TAG_WAIT_MS / 1000.0;
	int i, n = 0;

	CHECK(nr <= MAX_SLOTS);
	for (;;) {
		n += ring_collect_tags(r, got + n, MAX_SLOTS + 1 - n);
		if (n >= nr || now_s() > end)
			break;
		usleep(1000);
		/* runs task_work and flushes CQEs that overflowed the ring */
		sys_io_uring_enter(r->fd, 0, 0, IORING_ENTER_GETEVENTS);
	}
	if (r->stray)
		die_at(__FILE__, __LINE__, "%u unexpected CQEs on ring %d",
		       r->stray, r->fd);
	if (n != nr)
		die_at(__FILE__, __LINE__, "ring %d posted %d tag CQEs, not %d",
		       r->fd, n, nr);
	memcpy(want, exp, nr * sizeof(*exp));
	qsort(want, nr, sizeof(*want), sort_u64);
	qsort(got, n, sizeof(*got), sort_u64);
	for (i = 0; i < nr; i++)
		if (want[i] != got[i])
			die_at(__FILE__, __LINE__, "ring %d: tag 0x%llx, not 0x%llx",
			       r->fd, (unsigned long long)got[i],
			       (unsigned long long)want[i]);
}

static inline void expect_no_cqe(struct ring *r)
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
static inline void unregister_expect_tags(struct ring *r, const struct layout *l)
{
	__u64 tags[MAX_SLOTS];

	CHECK_EQ(0, ring_unregister_files(r));
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

#endif /* __CLONE_FILES_STRESS_H */
