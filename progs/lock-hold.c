// SPDX-License-Identifier: GPL-2.0
/*
 * How long a copy of N files keeps others out of the table it copies from,
 * seen by a waiter: a probe thread on the second CPU times round trips
 * that need the same lock, while the main thread on the first CPU copies
 * the table, repeatedly; the longest round trip during a copy, less the
 * longest without a copy running, is the lock's hold time.
 *
 *   clone   IORING_REGISTER_CLONE_FILES of ring A's whole table of N files
 *           into a fresh ring; the probe submits IORING_OP_NOP on A and
 *           waits for it (io_uring_enter() takes A's uring_lock)
 *   dup_fd  unshare(CLONE_FILES) of a fd table of N files (the kernel's
 *           dup_fd(), which holds the old table's file_lock while copying);
 *           the probe does dup() and close() on that table (file_lock)
 *
 * The two CPUs must really run at once: under QEMU's -icount the vCPUs
 * take turns and a busy first CPU starves the second, so this runs under
 * multi-threaded TCG, where the guest's only clocksource is jiffies. Round
 * trips are timed with the TSC instead and converted to ns against
 * CLOCK_MONOTONIC over a second. A copy during which the probe completed
 * fewer than two round trips measured nothing and fails the run. Host
 * scheduling only ever lengthens a round trip, so of the copies the one
 * with the shortest longest round trip counts.
 *
 * Next to it, the copy's whole call (the shortest of the copies): what the
 * lock was held for when the clone kept it for all its work.
 *
 * stdout: TSV, method N copies hold_ns base_ns hold_per_file call_ns
 *         call_per_file
 * usage: lock-hold [-n N,N,...] [-r COPIES]
 * Build: see progs/Makefile (uring.h needs the patched tree's mini_liburing.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "uring.h"

#define MAX_LIST	16
#define BASE_NS		(20 * 1000 * 1000LL)	/* probing without a copy */
#define CALIB_NS	(1000 * 1000 * 1000LL)	/* TSC against the clock */

static double ns_per_cycle;

static void calibrate(void)
{
	long long t0, t1, c0;

	/* start on a tick: the clock may be jiffies */
	t0 = now_ns();
	while ((t1 = now_ns()) == t0)
		;
	c0 = __rdtsc();
	while (now_ns() - t1 < CALIB_NS)
		;
	t0 = now_ns();
	ns_per_cycle = (double)(t0 - t1) / (double)(__rdtsc() - c0);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "lock-hold: %s: %s\n", what, strerror(err));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity (two CPUs needed)", errno);
}

struct probe {
	bool clone;		/* NOP on @ring, else dup()/close() of @fd */
	struct io_uring *ring;
	int fd;
	atomic_bool stop;
	atomic_llong max;	/* longest round trip since the last reset, TSC */
	atomic_llong trips;	/* round trips since the last reset */
	int err;
};

static int nop_round_trip(struct io_uring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	struct io_uring_cqe cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_rw(IORING_OP_NOP, sqe, 0, NULL, 0, 0);
	sqe->user_data = 1;
	ret = io_uring_submit(r);
	if (ret < 0)
		return ret;
	return wait_cqe(r, &cqe);
}

static void *probe_thread(void *arg)
{
	struct probe *p = arg;

	pin(1);
	while (!atomic_load(&p->stop)) {
		long long t0 = __rdtsc(), dt;
		int ret = 0, fd;

		if (p->clone) {
			ret = nop_round_trip(p->ring);
		} else {
			fd = dup(p->fd);
			if (fd < 0)
				ret = -errno;
			else
				close(fd);
		}
		if (ret) {
			p->err = -ret;
			break;
		}
		dt = __rdtsc() - t0;
		if (dt > atomic_load(&p->max))
			atomic_store(&p->max, dt);
		atomic_fetch_add(&p->trips, 1);
	}
	return NULL;
}

struct dup_arg {
	int err;
	long long cycles;	/* the unshare() call */
};

/* shares the fd table with the probe until unshare() copies it */
static void *unshare_thread(void *arg)
{
	struct dup_arg *a = arg;
	long long c0;

	pin(0);
	c0 = __rdtsc();
	a->err = unshare(CLONE_FILES) ? errno : 0;
	a->cycles = __rdtsc() - c0;
	/* the private copy: drop it before the thread exits */
	if (!a->err)
		syscall(__NR_close_range, 3U, ~0U, 0U);
	return NULL;
}

/* one copy; returns how long its call took, in TSC cycles */
static long long copy_once(bool clone, struct io_uring *src)
{
	struct dup_arg a;
	struct io_uring dst;
	long long c0;
	pthread_t t;
	int ret;

	if (!clone) {
		ret = pthread_create(&t, NULL, unshare_thread, &a);
		if (ret)
			die("pthread_create", ret);
		pthread_join(t, NULL);
		if (a.err)
			die("unshare(CLONE_FILES)", a.err);
		return a.cycles;
	}
	ret = ring_init(&dst, 8, 0);
	if (ret)
		die("io_uring_setup", -ret);
	c0 = __rdtsc();
	ret = clone_files(&dst, src->ring_fd, 0, 0, 0, 0);
	c0 = __rdtsc() - c0;
	if (ret)
		die("IORING_REGISTER_CLONE_FILES", -ret);
	io_uring_unregister_files(&dst);
	ring_exit(&dst);
	return c0;
}

static void measure(bool clone, unsigned int n, unsigned int copies,
		    struct io_uring *src, int fd)
{
	struct probe p = { .clone = clone, .ring = src, .fd = fd };
	long long base, hold = -1, call = -1, max, c, t0;
	pthread_t t;
	unsigned int i;
	int ret;

	ret = pthread_create(&t, NULL, probe_thread, &p);
	if (ret)
		die("pthread_create", ret);
	/* the probe alone: its longest round trip without a copy */
	while (atomic_load(&p.trips) < 2)
		;
	atomic_store(&p.max, 0);
	t0 = now_ns();
	while (now_ns() - t0 < BASE_NS)
		;
	base = atomic_load(&p.max);
	for (i = 0; i < copies; i++) {
		atomic_store(&p.max, 0);
		atomic_store(&p.trips, 0);
		c = copy_once(clone, src);
		max = atomic_load(&p.max);
		if (atomic_load(&p.trips) < 2) {
			fprintf(stderr, "lock-hold: %s of %u: the probe did not run during the copy\n",
				clone ? "clone" : "dup_fd", n);
			exit(1);
		}
		if (hold < 0 || max < hold)
			hold = max;
		if (call < 0 || c < call)
			call = c;
	}
	atomic_store(&p.stop, true);
	pthread_join(t, NULL);
	if (p.err)
		die(clone ? "IORING_OP_NOP" : "dup", p.err);
	hold = hold > base ? hold - base : 0;
	hold = (long long)(hold * ns_per_cycle);
	base = (long long)(base * ns_per_cycle);
	call = (long long)(call * ns_per_cycle);
	printf("%s\t%u\t%u\t%lld\t%lld\t%.2f\t%lld\t%.2f\n",
	       clone ? "clone" : "dup_fd", n, copies, hold, base,
	       (double)hold / n, call, (double)call / n);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static char def_sizes[] = "4096,65536";
	unsigned int sizes[MAX_LIST], nr_sizes = 0, copies = 5, i, j, max_n = 0;
	char *size_arg = def_sizes, *tok;
	struct rlimit rl;
	int opt, fd, *fds;
	struct io_uring src;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			size_arg = optarg;
		else if (opt == 'r')
			copies = strtoul(optarg, NULL, 0);
		else
			return 1;
	}
	for (tok = strtok(size_arg, ","); tok && nr_sizes < MAX_LIST;
	     tok = strtok(NULL, ","))
		sizes[nr_sizes++] = strtoul(tok, NULL, 0);
	for (i = 0; i < nr_sizes; i++)
		max_n = sizes[i] > max_n ? sizes[i] : max_n;
	if (!nr_sizes || !copies || !max_n)
		return 1;
	rl.rlim_cur = rl.rlim_max = max_n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)", errno);

	pin(0);
	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0)
		die("open(O_TMPFILE)", errno);
	calibrate();
	printf("method\tN\tcopies\thold_ns\tbase_ns\thold_per_file\tcall_ns\tcall_per_file\n");
	for (i = 0; i < nr_sizes; i++) {
		unsigned int n = sizes[i];

		fds = malloc(n * sizeof(*fds));
		if (!fds)
			die("malloc", ENOMEM);
		fds[0] = fd;
		for (j = 1; j < n; j++) {
			fds[j] = dup(fd);
			if (fds[j] < 0)
				die("dup", errno);
		}
		if (ring_init(&src, 8, 0) ||
		    io_uring_register_files(&src, fds, n))
			die("ring A", EINVAL);
		measure(true, n, copies, &src, fd);
		ring_exit(&src);
		/* the fd table holds the n fds: dup_fd() copies them all */
		measure(false, n, copies, NULL, fd);
		for (j = 1; j < n; j++)
			close(fds[j]);
		free(fds);
	}
	return 0;
}
