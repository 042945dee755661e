// SPDX-License-Identifier: GPL-2.0
/*
 * Demo of the per-thread ring model with IORING_REGISTER_CLONE_FILES.
 *
 * The main thread sets up its ring A, SINGLE_ISSUER|DEFER_TASKRUN, with a
 * sparse table of N slots: half of the slots get files registered from
 * normal fds (closed afterwards), the other half get files opened straight
 * into the slot with IORING_OP_OPENAT (direct descriptors, no normal fd
 * ever exists).  A SINGLE_ISSUER ring's table may be cloned only by its
 * submitter, the main thread, so the files get to the workers in one of
 * two ways:
 *  (a) the main thread creates each worker's ring R_DISABLED|SINGLE_ISSUER|
 *      DEFER_TASKRUN (a disabled ring has no submitter yet) and clones A
 *      into it; the worker enables the ring, which makes it the ring's
 *      submitter, and reads every slot through IOSQE_FIXED_FILE.  From
 *      then on the main thread can't register on it any more (EEXIST);
 *  (b) the main thread fills a template ring T, created without
 *      SINGLE_ISSUER, from A with one clone; T workers, each with its own
 *      SINGLE_ISSUER|DEFER_TASKRUN ring, clone T at the same time and read
 *      every slot.  Cloning A itself gives them EEXIST.
 * For comparison the (b) workers also time IORING_REGISTER_FILES of N fds
 * they opened themselves.
 *
 * Exit: 0 OK, 1 error or mismatch, 2 IORING_REGISTER_CLONE_FILES unsupported.
 *
 * Build: see progs/Makefile (uring.h needs the patched tree's mini_liburing.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"

#define DEF_SLOTS	8
#define DEF_THREADS	4
#define MAX_CONTENT	64

#define SUBMITTER_FLAGS	(IORING_SETUP_SINGLE_ISSUER | \
			 IORING_SETUP_DEFER_TASKRUN)

static unsigned int nr_slots = DEF_SLOTS;
static unsigned int nr_threads = DEF_THREADS;
static const char *kernel_label;	/* -k: "the NAME kernel"; NULL: no times */

/* " took 12.3 us [NAME kernel]", or nothing when no times are printed */
static const char *took(char *buf, size_t len, const char *what, double us)
{
	if (!kernel_label)
		return "";
	snprintf(buf, len, "%s%.1f us [%s kernel]", what, us, kernel_label);
	return buf;
}
static char (*paths)[64];
static struct io_uring ring_a, ring_t;
static pthread_barrier_t start_barrier;

struct worker {
	pthread_t thread;
	struct io_uring r;	/* (a): created and cloned into by main */
	double clone_us;
	double register_us;
	int direct_ret;		/* (b): cloning A straight away */
	unsigned int read_ok;
	char err[160];
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The smallest step CLOCK_MONOTONIC moves by here, in us. */
static double clock_step_us(void)
{
	double t0 = now_us(), t1, t2;

	while ((t1 = now_us()) == t0)
		;
	while ((t2 = now_us()) == t1)
		;
	return t2 - t1;
}

static int content(unsigned int slot, char *buf)
{
	return snprintf(buf, MAX_CONTENT, "clone-per-thread file %u pid %d\n",
			slot, (int)getpid());
}

static const char *errname(int ret)
{
	return ret ? strerrorname_np(-ret) : "success";
}

/* Reads every slot of @r and compares with the file's contents. */
static int check_slots(struct io_uring *r, unsigned int *ok, char *err,
		       size_t errlen)
{
	char want[MAX_CONTENT], got[MAX_CONTENT];
	unsigned int i;
	int len, ret;

	*ok = 0;
	for (i = 0; i < nr_slots; i++) {
		len = content(i, want);
		memset(got, 0, sizeof(got));
		ret = fixed_read(r, i, got, sizeof(got), 0);
		if (ret < 0) {
			snprintf(err, errlen, "read of slot %u failed: %s (%d)",
				 i, strerror(-ret), -ret);
			return -1;
		}
		if (ret != len || memcmp(got, want, len)) {
			snprintf(err, errlen,
				 "slot %u: read %d bytes, contents mismatch",
				 i, ret);
			return -1;
		}
		(*ok)++;
	}
	return 0;
}

/* Times @nr_slots files registered the classic way: open, then register. */
static int time_register(struct worker *w)
{
	struct io_uring reg;
	unsigned int i;
	double t0, t1;
	int *fds, ret;

	fds = calloc(nr_slots, sizeof(*fds));
	if (!fds) {
		snprintf(w->err, sizeof(w->err), "out of memory");
		return -1;
	}
	for (i = 0; i < nr_slots; i++)
		fds[i] = -1;
	ret = -1;
	for (i = 0; i < nr_slots; i++) {
		fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			snprintf(w->err, sizeof(w->err), "open %s: %s (%d)",
				 paths[i], strerror(errno), errno);
			goto out;
		}
	}
	ret = ring_init(&reg, 8, SUBMITTER_FLAGS);
	if (ret) {
		snprintf(w->err, sizeof(w->err), "io_uring_setup: %s (%d)",
			 strerror(-ret), -ret);
		goto out;
	}
	t0 = now_us();
	ret = io_uring_register_files(&reg, fds, nr_slots);
	t1 = now_us();
	if (ret)
		snprintf(w->err, sizeof(w->err),
			 "IORING_REGISTER_FILES: %s (%d)", strerror(-ret), -ret);
	else
		w->register_us = t1 - t0;
	ring_exit(&reg);
out:
	for (i = 0; i < nr_slots; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return ret ? -1 : 0;
}

/* (a): enable the ring main cloned A into, then read through it. */
static void *handed_worker_fn(void *arg)
{
	struct worker *w = arg;
	int ret;

	ret = ring_register(&w->r, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	if (ret) {
		snprintf(w->err, sizeof(w->err),
			 "IORING_REGISTER_ENABLE_RINGS: %s (%d)",
			 strerror(-ret), -ret);
		return NULL;
	}
	check_slots(&w->r, &w->read_ok, w->err, sizeof(w->err));
	return NULL;
}

/* (b): clone the template into a ring of our own, then read through it. */
static void *template_worker_fn(void *arg)
{
	struct worker *w = arg;
	double t0, t1;
	struct io_uring r;
	int ret;

	ret = ring_init(&r, 8, SUBMITTER_FLAGS);
	/* all workers clone at the same time, contending on T's lock */
	pthread_barrier_wait(&start_barrier);
	if (ret) {
		snprintf(w->err, sizeof(w->err), "io_uring_setup: %s (%d)",
			 strerror(-ret), -ret);
		return NULL;
	}
	/* A is the main thread's: refused, and nothing changes */
	w->direct_ret = clone_files(&r, ring_a.ring_fd, 0, 0, 0, 0);
	if (w->direct_ret != -EEXIST) {
		snprintf(w->err, sizeof(w->err),
			 "cloning A directly: %s, not EEXIST",
			 errname(w->direct_ret));
		goto out;
	}

	t0 = now_us();
	ret = clone_files(&r, ring_t.ring_fd, 0, 0, 0, 0);
	t1 = now_us();
	if (ret) {
		snprintf(w->err, sizeof(w->err),
			 "IORING_REGISTER_CLONE_FILES from T: %s (%d)",
			 strerror(-ret), -ret);
		goto out;
	}
	w->clone_us = t1 - t0;
	if (check_slots(&r, &w->read_ok, w->err, sizeof(w->err)))
		goto out;
	time_register(w);
out:
	ring_exit(&r);
	return NULL;
}

/* Creates the files and ring A; returns 0 or -1 with a message printed. */
static int setup_ring_a(void)
{
	char buf[MAX_CONTENT], err[160];
	unsigned int i, ok;
	int fd, len, ret;

	for (i = 0; i < nr_slots; i++) {
		snprintf(paths[i], sizeof(paths[i]),
			 "/tmp/clone-per-thread.%d.%u", (int)getpid(), i);
		fd = open(paths[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
		if (fd < 0) {
			printf("open %s: %s (%d)\n", paths[i], strerror(errno),
			       errno);
			return -1;
		}
		len = content(i, buf);
		ret = write(fd, buf, len);
		close(fd);
		if (ret != len) {
			printf("write %s failed\n", paths[i]);
			return -1;
		}
	}

	ret = ring_init(&ring_a, 8, SUBMITTER_FLAGS);
	if (ret) {
		printf("io_uring_setup: %s (%d)\n", strerror(-ret), -ret);
		return -1;
	}
	ret = io_uring_register_files_sparse(&ring_a, nr_slots);
	if (ret) {
		printf("IORING_REGISTER_FILES2 (sparse, %u slots): %s (%d)\n",
		       nr_slots, strerror(-ret), -ret);
		return -1;
	}

	/* even slots: registered from a normal fd, which is then closed */
	for (i = 0; i < nr_slots; i += 2) {
		fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			printf("open %s: %s (%d)\n", paths[i], strerror(errno),
			       errno);
			return -1;
		}
		ret = io_uring_register_files_update_tag(&ring_a, i, &fd, NULL,
							 1);
		close(fd);
		if (ret != 1) {
			printf("IORING_REGISTER_FILES_UPDATE2 slot %u: %s (%d)\n",
			       i, ret < 0 ? strerror(-ret) : "short", ret);
			return -1;
		}
	}
	/* odd slots: direct descriptors, no normal fd ever exists */
	for (i = 1; i < nr_slots; i += 2) {
		ret = open_direct(&ring_a, paths[i], O_RDONLY, i + 1);
		if (ret) {
			printf("IORING_OP_OPENAT direct into slot %u: %s (%d)\n",
			       i, strerror(-ret), -ret);
			return -1;
		}
	}

	printf("setup: ring A (the main thread's, SINGLE_ISSUER|DEFER_TASKRUN): %u slots, files %s ...\n",
	       nr_slots, paths[0]);
	printf("setup:   %u even slots from normal fds (closed), %u odd slots opened with IORING_OP_OPENAT direct (no fd)\n",
	       (nr_slots + 1) / 2, nr_slots / 2);
	if (check_slots(&ring_a, &ok, err, sizeof(err))) {
		printf("ring A: %s\n", err);
		return -1;
	}
	printf("setup:   read %u files OK through ring A\n", ok);
	return 0;
}

/* Joins the workers; prints a line each, returns how many failed. */
static int join_workers(struct worker *workers, const char *pattern,
			bool handed)
{
	char tb1[96], tb2[128];
	unsigned int i;
	int failed = 0;

	for (i = 0; i < nr_threads; i++) {
		struct worker *w = &workers[i];

		pthread_join(w->thread, NULL);
		if (w->err[0]) {
			printf("(%s) worker %u: FAILED: %s\n", pattern, i,
			       w->err);
			failed++;
		} else if (handed) {
			printf("(a) worker %u: enabled its ring, read %u files OK%s\n",
			       i, w->read_ok,
			       took(tb1, sizeof(tb1), "; main's clone into it took ",
				    w->clone_us));
		} else {
			char what[64];

			snprintf(what, sizeof(what),
				 "; IORING_REGISTER_FILES of %u fds: ", nr_slots);
			printf("(b) worker %u: clone of A: %s; cloned T, read %u files OK%s%s\n",
			       i, errname(w->direct_ret), w->read_ok,
			       took(tb1, sizeof(tb1), "; clone of T: ", w->clone_us),
			       took(tb2, sizeof(tb2), what, w->register_us));
		}
	}
	return failed;
}

/* (a): rings created disabled, cloned into by main, enabled by workers. */
static int pattern_handed(struct worker *workers)
{
	unsigned int i;
	double t0;
	int ret, failed;

	printf("(a) main clones A into each worker's ring, created R_DISABLED|SINGLE_ISSUER|DEFER_TASKRUN; the worker enables it\n");
	for (i = 0; i < nr_threads; i++) {
		struct worker *w = &workers[i];

		ret = ring_init(&w->r, 8, IORING_SETUP_R_DISABLED |
				SUBMITTER_FLAGS);
		if (ret) {
			printf("io_uring_setup (R_DISABLED): %s (%d)\n",
			       strerror(-ret), -ret);
			return -1;
		}
		t0 = now_us();
		ret = clone_files(&w->r, ring_a.ring_fd, 0, 0, 0, 0);
		w->clone_us = now_us() - t0;
		if (ret) {
			printf("(a) clone of A into disabled ring %u: %s (%d)\n",
			       i, strerror(-ret), -ret);
			return -1;
		}
	}
	for (i = 0; i < nr_threads; i++) {
		ret = pthread_create(&workers[i].thread, NULL, handed_worker_fn,
				     &workers[i]);
		if (ret) {
			printf("pthread_create: %s (%d)\n", strerror(ret), ret);
			exit(1);
		}
	}
	failed = join_workers(workers, "a", true);

	/* each ring is its worker's now, also after the worker exited */
	ret = clone_files(&workers[0].r, ring_a.ring_fd,
			  IORING_REGISTER_DST_REPLACE, 0, 0, 0);
	printf("(a) main cloning A into worker 0's ring once it is enabled: %s%s\n",
	       errname(ret), ret == -EEXIST ? " (the worker is its submitter)" :
	       ", NOT EEXIST");
	if (ret != -EEXIST)
		failed++;
	for (i = 0; i < nr_threads; i++)
		ring_exit(&workers[i].r);
	return failed ? -1 : 0;
}

/* (b): a template ring without SINGLE_ISSUER, cloned by every worker. */
static int pattern_template(struct worker *workers)
{
	unsigned int i, ok;
	char err[160], buf[64];
	double t0, t1;
	int ret;

	ret = ring_init(&ring_t, 8, 0);
	if (ret) {
		printf("io_uring_setup: %s (%d)\n", strerror(-ret), -ret);
		return -1;
	}
	t0 = now_us();
	ret = clone_files(&ring_t, ring_a.ring_fd, 0, 0, 0, 0);
	t1 = now_us();
	if (ret) {
		printf("(b) clone of A into T: %s (%d)\n", strerror(-ret),
		       -ret);
		return -1;
	}
	if (check_slots(&ring_t, &ok, err, sizeof(err))) {
		printf("(b) ring T: %s\n", err);
		return -1;
	}
	printf("(b) main fills template T (no SINGLE_ISSUER) from A with one clone%s, read %u files OK; the workers clone T\n",
	       took(buf, sizeof(buf), ": ", t1 - t0), ok);

	ret = pthread_barrier_init(&start_barrier, NULL, nr_threads);
	if (ret) {
		printf("pthread_barrier_init: %s\n", strerror(ret));
		return -1;
	}
	for (i = 0; i < nr_threads; i++) {
		ret = pthread_create(&workers[i].thread, NULL,
				     template_worker_fn, &workers[i]);
		if (ret) {
			/* the barrier would never open: give up right away */
			printf("pthread_create: %s (%d)\n", strerror(ret), ret);
			exit(1);
		}
	}
	ret = join_workers(workers, "b", false);
	pthread_barrier_destroy(&start_barrier);
	return ret ? -1 : 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n SLOTS] [-t THREADS] [-k KERNEL]\n"
		"  -n SLOTS    slots in ring A's table, all filled (default %d)\n"
		"  -t THREADS  worker threads per pattern, one ring each (default %d)\n"
		"  -k KERNEL   print timings, labelled as from this kernel (e.g. uml);\n"
		"              without -k none are printed\n"
		"exit: 0 OK, 1 error, 2 IORING_REGISTER_CLONE_FILES not supported\n",
		prog, DEF_SLOTS, DEF_THREADS);
}

static unsigned int parse_uint(const char *s, const char *prog)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v == 0 || v > (1U << 20)) {
		usage(prog);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct worker *workers;
	struct rlimit rl;
	unsigned int i, ok;
	char err[160];
	double step;
	int opt, ret, status = 1;

	while ((opt = getopt(argc, argv, "n:t:k:h")) != -1) {
		switch (opt) {
		case 'n':
			nr_slots = parse_uint(optarg, argv[0]);
			break;
		case 't':
			nr_threads = parse_uint(optarg, argv[0]);
			break;
		case 'k':
			kernel_label = optarg;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* every worker holds N fds for a moment; the tables need N too */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	paths = calloc(nr_slots, sizeof(*paths));
	workers = calloc(nr_threads, sizeof(*workers));
	if (!paths || !workers) {
		printf("out of memory\n");
		return 1;
	}
	ring_clear(&ring_a);
	ring_clear(&ring_t);
	step = clock_step_us();
	if (kernel_label)
		printf("clone-per-thread: %u slots, %u worker threads per pattern; timings from the %s kernel, whose clock moves in steps of %.*f us\n",
		       nr_slots, nr_threads, kernel_label, step < 10 ? 2 : 0,
		       step);
	else
		printf("clone-per-thread: %u slots, %u worker threads per pattern; no timings (-k)\n",
		       nr_slots, nr_threads);
	if (setup_ring_a())
		goto out;

	ret = clone_files_supported();
	if (ret <= 0) {
		if (ret == 0) {
			printf("IORING_REGISTER_CLONE_FILES not supported (EINVAL)\n");
			status = 2;
		} else {
			printf("IORING_REGISTER_CLONE_FILES probe: %s (%d)\n",
			       strerror(-ret), -ret);
		}
		goto out;
	}

	status = 0;
	if (pattern_handed(workers))
		status = 1;
	memset(workers, 0, nr_threads * sizeof(*workers));
	if (pattern_template(workers))
		status = 1;

	/* the clones never modify their source */
	if (check_slots(&ring_a, &ok, err, sizeof(err))) {
		printf("ring A after the clones: %s\n", err);
		status = 1;
	} else if (ring_t.ring_fd >= 0 &&
		   check_slots(&ring_t, &ok, err, sizeof(err))) {
		printf("ring T after the clones: %s\n", err);
		status = 1;
	} else {
		printf("after the clones: ring A%s unchanged, read %u files OK\n",
		       ring_t.ring_fd >= 0 ? " and ring T each" : "", ok);
	}
	printf("demo: %s\n", status ? "FAILED" : "OK");
out:
	ring_exit(&ring_t);
	ring_exit(&ring_a);
	for (i = 0; i < nr_slots; i++)
		if (paths[i][0])
			unlink(paths[i]);
	free(paths);
	free(workers);
	return status;
}
