// SPDX-License-Identifier: GPL-2.0
/*
 * Demo of the per-thread ring model with IORING_REGISTER_CLONE_FILES.
 *
 * The main thread sets up ring A with a sparse table of N slots: half of
 * the slots get files registered from normal fds (closed afterwards), the
 * other half get files opened straight into the slot with IORING_OP_OPENAT
 * (direct descriptors, no normal fd ever exists).  Then T worker threads
 * each create their own ring, clone A's whole table into it, read every
 * slot through IOSQE_FIXED_FILE and check the contents.  For comparison
 * every worker also times IORING_REGISTER_FILES of N fds it opened itself.
 *
 * Exit: 0 OK, 1 error or mismatch, 2 IORING_REGISTER_CLONE_FILES unsupported.
 *
 * Build: gcc -O2 -Wall -static -pthread -o clone-per-thread clone-per-thread.c
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

static unsigned int nr_slots = DEF_SLOTS;
static unsigned int nr_threads = DEF_THREADS;
static unsigned int ring_flags;
static char (*paths)[64];
static struct ring ring_a;
static pthread_barrier_t start_barrier;

struct worker {
	pthread_t thread;
	unsigned int id;
	double clone_us;
	double register_us;
	unsigned int read_ok;
	char err[160];
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int content(unsigned int slot, char *buf)
{
	return snprintf(buf, MAX_CONTENT, "clone-per-thread file %u pid %d\n",
			slot, (int)getpid());
}

/* Reads every slot of @r and compares with the file's contents. */
static int check_slots(struct ring *r, unsigned int *ok, char *err,
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

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct ring r, reg;
	double t0, t1;
	unsigned int i;
	int *fds;
	int ret;

	fds = calloc(nr_slots, sizeof(*fds));
	ret = fds ? ring_init(&r, 8, ring_flags) : -ENOMEM;
	/* all workers clone at the same time, contending on A's lock */
	pthread_barrier_wait(&start_barrier);
	if (ret) {
		snprintf(w->err, sizeof(w->err), "io_uring_setup: %s (%d)",
			 strerror(-ret), -ret);
		free(fds);
		return NULL;
	}
	for (i = 0; i < nr_slots; i++)
		fds[i] = -1;

	t0 = now_us();
	ret = clone_files(&r, ring_a.fd, 0, 0, 0, 0);
	t1 = now_us();
	if (ret) {
		snprintf(w->err, sizeof(w->err),
			 "IORING_REGISTER_CLONE_FILES: %s (%d)",
			 strerror(-ret), -ret);
		goto out_ring;
	}
	w->clone_us = t1 - t0;

	if (check_slots(&r, &w->read_ok, w->err, sizeof(w->err)))
		goto out_ring;

	/* the same number of files the classic way: fds, then register */
	for (i = 0; i < nr_slots; i++) {
		fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			snprintf(w->err, sizeof(w->err), "open %s: %s (%d)",
				 paths[i], strerror(errno), errno);
			goto out_ring;
		}
	}
	ret = ring_init(&reg, 8, ring_flags);
	if (ret) {
		snprintf(w->err, sizeof(w->err), "io_uring_setup: %s (%d)",
			 strerror(-ret), -ret);
		goto out_ring;
	}
	t0 = now_us();
	ret = ring_register_files(&reg, fds, nr_slots);
	t1 = now_us();
	if (ret)
		snprintf(w->err, sizeof(w->err),
			 "IORING_REGISTER_FILES: %s (%d)", strerror(-ret), -ret);
	else
		w->register_us = t1 - t0;
	ring_exit(&reg);
out_ring:
	ring_exit(&r);
	for (i = 0; i < nr_slots; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
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

	ret = ring_init(&ring_a, 8, ring_flags);
	if (ret) {
		printf("io_uring_setup: %s (%d)\n", strerror(-ret), -ret);
		return -1;
	}
	ret = ring_register_files_sparse(&ring_a, nr_slots);
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
		ret = ring_update_files(&ring_a, i, &fd, NULL, 1);
		close(fd);
		if (ret != 1) {
			printf("IORING_REGISTER_FILES_UPDATE2 slot %u: %s (%d)\n",
			       i, ret < 0 ? strerror(-ret) : "short", ret);
			return -1;
		}
	}
	/* odd slots: direct descriptors, no normal fd ever exists */
	for (i = 1; i < nr_slots; i += 2) {
		ret = ring_open_direct(&ring_a, paths[i], O_RDONLY, i + 1);
		if (ret) {
			printf("IORING_OP_OPENAT direct into slot %u: %s (%d)\n",
			       i, strerror(-ret), -ret);
			return -1;
		}
	}

	printf("setup: ring A (fd %d, %s): sparse table of %u slots, files %s ... %s\n",
	       ring_a.fd, ring_flags ? "SINGLE_ISSUER|DEFER_TASKRUN" : "default flags",
	       nr_slots, paths[0], paths[nr_slots - 1]);
	printf("setup:   even slots (%u): IORING_REGISTER_FILES_UPDATE2 from normal fds, fds closed\n",
	       (nr_slots + 1) / 2);
	printf("setup:   odd slots (%u): IORING_OP_OPENAT direct (no normal fd)\n",
	       nr_slots / 2);
	if (check_slots(&ring_a, &ok, err, sizeof(err))) {
		printf("ring A: %s\n", err);
		return -1;
	}
	printf("setup: ring A: read %u files OK\n", ok);
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n SLOTS] [-t THREADS] [-s]\n"
		"  -n SLOTS    slots in ring A's table, all filled (default %d)\n"
		"  -t THREADS  worker threads, one ring each (default %d)\n"
		"  -s          create all rings with SINGLE_ISSUER|DEFER_TASKRUN\n"
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
	int opt, ret, status = 1;

	while ((opt = getopt(argc, argv, "n:t:sh")) != -1) {
		switch (opt) {
		case 'n':
			nr_slots = parse_uint(optarg, argv[0]);
			break;
		case 't':
			nr_threads = parse_uint(optarg, argv[0]);
			break;
		case 's':
			ring_flags = IORING_SETUP_SINGLE_ISSUER |
				     IORING_SETUP_DEFER_TASKRUN;
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
	ring_a.fd = -1;
	printf("clone-per-thread: %u slots, %u worker threads\n", nr_slots,
	       nr_threads);
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

	ret = pthread_barrier_init(&start_barrier, NULL, nr_threads);
	if (ret) {
		printf("pthread_barrier_init: %s\n", strerror(ret));
		goto out;
	}
	for (i = 0; i < nr_threads; i++) {
		workers[i].id = i;
		ret = pthread_create(&workers[i].thread, NULL, worker_fn,
				     &workers[i]);
		if (ret) {
			/* the barrier would never open: give up right away */
			printf("pthread_create: %s (%d)\n", strerror(ret), ret);
			exit(1);
		}
	}
	status = 0;
	for (i = 0; i < nr_threads; i++) {
		struct worker *w = &workers[i];

		pthread_join(w->thread, NULL);
		if (w->err[0]) {
			printf("thread %u: FAILED: %s\n", i, w->err);
			status = 1;
			continue;
		}
		printf("thread %u: cloned %u slots in %.1f us, read %u files OK; IORING_REGISTER_FILES of %u fds: %.1f us\n",
		       i, nr_slots, w->clone_us, w->read_ok, nr_slots,
		       w->register_us);
	}
	pthread_barrier_destroy(&start_barrier);

	/* the source ring is never modified by the clones */
	if (check_slots(&ring_a, &ok, err, sizeof(err))) {
		printf("ring A after the clones: %s\n", err);
		status = 1;
	} else {
		printf("ring A after the clones: read %u files OK\n", ok);
	}
	printf("demo: %s\n", status ? "FAILED" : "OK");
out:
	ring_exit(&ring_a);
	for (i = 0; i < nr_slots; i++)
		if (paths[i][0])
			unlink(paths[i]);
	free(paths);
	free(workers);
	return status;
}
