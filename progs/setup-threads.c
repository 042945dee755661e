// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end setup time of the one-ring-per-thread model: T worker
 * threads, each with its own ring, each given a table of the same N files.
 * Timed from the release of the waiting workers to the moment the last
 * worker's table is complete, ring creation included, by method:
 *   clone     each worker creates its ring and clones the whole table of
 *             the source ring S (created without SINGLE_ISSUER, so every
 *             worker may clone it; all T clones run at once);
 *   register  each worker creates its ring and registers the N fds itself
 *             (IORING_REGISTER_FILES; the threads share the fd table);
 *   msg_ring  each worker creates its ring with a sparse table of N slots;
 *             then S's owner, the main thread, sends every slot to every
 *             worker with IORING_OP_MSG_RING/IORING_MSG_SEND_FD, CQE_SKIP
 *             set (the workers have no CQE to reap), as many per
 *             io_uring_enter() as S's SQ holds.
 * The N fds are dups of one tmpfs file, registered in S before the clock
 * starts.  After each repetition (not timed) three slots of every worker's
 * table are read through IOSQE_FIXED_FILE and compared with the file.
 *
 * stdout: TSV, method T N reps median_ns min_ns max_ns ns_per_file
 *         (ns_per_file: median / (T * N))
 * stderr: progress.
 * Exit: 0 OK, 1 error or a wrong slot, 2 no IORING_REGISTER_CLONE_FILES.
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
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"

#define MAX_LIST	16
#define MAX_T		64
#define MAX_N		(1U << 20)
#define SRC_SQ		4096
#define CONTENT		"setup-threads: slot contents\n"

enum method { M_CLONE, M_REGISTER, M_MSG_RING, NR_METHODS };
static const char *const method_name[NR_METHODS] = {
	"clone", "register", "msg_ring",
};

static unsigned int nr_files, nr_workers;
static int *fds;
static struct io_uring src;

struct worker {
	pthread_t thread;
	enum method m;
	struct io_uring r;
	long long done_ns;	/* clone, register: when its table was complete */
	int err;
};

static struct worker workers[MAX_T];
static pthread_barrier_t start, ready;

static void *worker_fn(void *p)
{
	struct worker *w = p;
	int ret;

	pthread_barrier_wait(&start);
	ret = ring_init(&w->r, 8, 0);
	if (!ret) {
		switch (w->m) {
		case M_CLONE:
			ret = clone_files(&w->r, src.ring_fd, 0, 0, 0, 0);
			break;
		case M_REGISTER:
			ret = io_uring_register_files(&w->r, fds, nr_files);
			break;
		case M_MSG_RING:
			ret = io_uring_register_files_sparse(&w->r, nr_files);
			break;
		default:
			ret = -EINVAL;
		}
	}
	w->done_ns = now_ns();
	w->err = ret;
	if (w->m == M_MSG_RING)
		pthread_barrier_wait(&ready);
	return NULL;
}

/* S's owner sends all N slots to every worker's ring. */
static int send_all(void)
{
	struct io_uring_cqe cqe;
	struct io_uring_sqe *sqe;
	unsigned int t, done, batch, i;
	int ret;

	for (t = 0; t < nr_workers; t++) {
		if (workers[t].err)
			return workers[t].err;
		for (done = 0; done < nr_files; done += batch) {
			batch = nr_files - done;
			if (batch > *src.sq.kring_entries)
				batch = *src.sq.kring_entries;
			for (i = 0; i < batch; i++) {
				sqe = io_uring_get_sqe(&src);
				if (!sqe)
					return -EBUSY;
				io_uring_prep_rw(IORING_OP_MSG_RING, sqe,
						 workers[t].r.ring_fd,
						 (void *)IORING_MSG_SEND_FD,
						 0, 0);
				sqe->addr3 = done + i;		/* S's slot */
				sqe->file_index = done + i + 1;	/* slot + 1 */
				sqe->msg_ring_flags = IORING_MSG_RING_CQE_SKIP;
			}
			ret = io_uring_submit(&src);
			if (ret < 0)
				return ret;
			if (ret != (int)batch)
				return -EAGAIN;
			for (i = 0; i < batch; i++) {
				ret = wait_cqe(&src, &cqe);
				if (ret)
					return ret;
				if (cqe.res < 0)
					return cqe.res;
			}
		}
	}
	return 0;
}

/* Reads three slots of @r through the fixed table. */
static int check_table(struct io_uring *r)
{
	unsigned int slots[3] = { 0, nr_files / 2, nr_files - 1 };
	char buf[64];
	int i, ret;

	for (i = 0; i < 3; i++) {
		memset(buf, 0, sizeof(buf));
		ret = fixed_read(r, slots[i], buf, sizeof(buf), 0);
		if (ret != (int)strlen(CONTENT) || memcmp(buf, CONTENT, ret)) {
			fprintf(stderr, "slot %u: read gave %d (%s)\n", slots[i],
				ret, ret < 0 ? strerror(-ret) : "wrong contents");
			return -EIO;
		}
	}
	return 0;
}

/* One repetition: returns the setup time in ns, or -errno. */
static long long run_once(enum method m)
{
	long long t0, end = 0;
	unsigned int t;
	int ret = 0;

	pthread_barrier_init(&start, NULL, nr_workers + 1);
	pthread_barrier_init(&ready, NULL, nr_workers + 1);
	for (t = 0; t < nr_workers; t++) {
		workers[t] = (struct worker){ .m = m };
		ring_clear(&workers[t].r);
		ret = pthread_create(&workers[t].thread, NULL, worker_fn,
				     &workers[t]);
		if (ret) {
			fprintf(stderr, "pthread_create: %s\n", strerror(ret));
			exit(1);
		}
	}
	t0 = now_ns();
	pthread_barrier_wait(&start);
	if (m == M_MSG_RING) {
		pthread_barrier_wait(&ready);
		ret = send_all();
		end = now_ns();
	}
	for (t = 0; t < nr_workers; t++) {
		pthread_join(workers[t].thread, NULL);
		if (!ret)
			ret = workers[t].err;
		if (m != M_MSG_RING && workers[t].done_ns > end)
			end = workers[t].done_ns;
	}
	for (t = 0; t < nr_workers; t++) {
		if (!ret)
			ret = check_table(&workers[t].r);
		io_uring_unregister_files(&workers[t].r);
		ring_exit(&workers[t].r);
	}
	pthread_barrier_destroy(&start);
	pthread_barrier_destroy(&ready);
	return ret ? ret : end - t0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int setup_files(unsigned int n)
{
	int fd, ret;
	unsigned int i;

	fd = memfd_create("setup-threads", 0);
	if (fd < 0 || write(fd, CONTENT, strlen(CONTENT)) != strlen(CONTENT))
		return -errno;
	fds = malloc(n * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	fds[0] = fd;
	for (i = 1; i < n; i++) {
		fds[i] = dup(fd);
		if (fds[i] < 0)
			return -errno;
	}
	ret = ring_init(&src, SRC_SQ, 0);
	return ret ?: io_uring_register_files(&src, fds, n);
}

static void teardown_files(unsigned int n)
{
	unsigned int i;

	io_uring_unregister_files(&src);
	ring_exit(&src);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

static int parse_list(char *s, unsigned int *out, unsigned int max)
{
	char *tok, *save = NULL;
	int n = 0;

	for (tok = strtok_r(s, ",", &save); tok && n < MAX_LIST;
	     tok = strtok_r(NULL, ",", &save)) {
		out[n] = strtoul(tok, NULL, 0);
		if (!out[n] || out[n] > max)
			return -1;
		n++;
	}
	return n;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-T LIST] [-n LIST] [-r REPS]\n"
		"  -T LIST  worker threads (default 1,4,16; at most %u)\n"
		"  -n LIST  files per table (default 64,4096,65536)\n"
		"  -r REPS  repetitions per point (default 5)\n",
		prog, MAX_T);
	exit(1);
}

int main(int argc, char **argv)
{
	char def_t[] = "1,4,16", def_n[] = "64,4096,65536";
	unsigned int ts[MAX_LIST], ns[MAX_LIST], reps = 5, i, j, k;
	char *tlist = def_t, *nlist = def_n;
	int nt, nn, opt, ret;
	long long *v;
	enum method m;
	struct rlimit rl;

	while ((opt = getopt(argc, argv, "T:n:r:h")) != -1) {
		switch (opt) {
		case 'T': tlist = optarg; break;
		case 'n': nlist = optarg; break;
		case 'r': reps = strtoul(optarg, NULL, 0); break;
		default: usage(argv[0]);
		}
	}
	nt = parse_list(tlist, ts, MAX_T);
	nn = parse_list(nlist, ns, MAX_N);
	if (nt <= 0 || nn <= 0 || !reps)
		usage(argv[0]);

	ret = clone_files_supported();
	if (ret <= 0) {
		fprintf(stderr, "IORING_REGISTER_CLONE_FILES: %s\n",
			ret ? strerror(-ret) : "not supported");
		return ret ? 1 : 2;
	}
	v = calloc(reps, sizeof(*v));
	printf("method\tT\tN\treps\tmedian_ns\tmin_ns\tmax_ns\tns_per_file\n");
	for (j = 0; j < (unsigned int)nn; j++) {
		nr_files = ns[j];
		/* the fds, S, stdio and up to MAX_T rings: as root, raised */
		rl.rlim_cur = rl.rlim_max = nr_files + MAX_T + 64;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			fprintf(stderr, "setrlimit %lu: %s\n",
				(unsigned long)rl.rlim_cur, strerror(errno));
		ret = setup_files(nr_files);
		if (ret) {
			fprintf(stderr, "N=%u: setup: %s\n", nr_files,
				strerror(-ret));
			return 1;
		}
		for (i = 0; i < (unsigned int)nt; i++) {
			nr_workers = ts[i];
			for (m = 0; m < NR_METHODS; m++) {
				for (k = 0; k < reps; k++) {
					v[k] = run_once(m);
					if (v[k] < 0) {
						fprintf(stderr, "%s T=%u N=%u: %s\n",
							method_name[m], nr_workers,
							nr_files, strerror(-v[k]));
						return 1;
					}
				}
				qsort(v, reps, sizeof(*v), cmp_ll);
				printf("%s\t%u\t%u\t%u\t%lld\t%lld\t%lld\t%.2f\n",
				       method_name[m], nr_workers, nr_files, reps,
				       v[reps / 2], v[0], v[reps - 1],
				       (double)v[reps / 2] / nr_workers / nr_files);
				fflush(stdout);
				fprintf(stderr, "%s T=%u N=%u done\n",
					method_name[m], nr_workers, nr_files);
			}
		}
		teardown_files(nr_files);
	}
	free(v);
	return 0;
}
