// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of giving a ring a table of N registered files, by method:
 * IORING_REGISTER_CLONE_FILES (whole, replace, ranged, and a 16-slot
 * replace within a table of N) against
 * IORING_REGISTER_FILES, IORING_REGISTER_FILES_UPDATE2 into a sparse table,
 * IORING_OP_MSG_RING with IORING_MSG_SEND_FD per file, and the kernel's own
 * copy of a process fd table (unshare(CLONE_FILES)) as the floor; plus the
 * cost of unregistering a cloned and a registered table, and of cloning a
 * table of N empty slots (what a clone costs besides the slots' nodes and
 * file references: the table, its bitmap, the loop).
 *
 * All N fds are dup()s of one tmpfs file, so every slot refers to the same
 * struct file.  Setup and teardown of each repetition are not timed.
 *
 * stdout: TSV, method N reps median_ns min_ns max_ns ns_per_file
 * stderr: progress.
 * Exit: 0 OK, 1 error, 2 the kernel lacks IORING_REGISTER_CLONE_FILES (the
 * clone methods were skipped, the others measured).
 *
 * Build: see progs/Makefile (uring.h needs the patched tree's mini_liburing.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"

#define MAX_N		(1U << 24)
#define MAX_LIST	32
#define TARGET_NS	(50 * 1000 * 1000LL)	/* per measured point */
#define MIN_REPS	3
#define MAX_REPS	1000
#define MSG_RING_SQ	4096

/* Per table size: the fds and ring A, the source of clones and messages. */
struct bench {
	unsigned int n;
	int *fds;			/* n dups of one tmpfs file */
	struct io_uring src;		/* ring A: the n fds registered */
	struct io_uring sparse;		/* a sparse table of n empty slots */
};

/* Per repetition. */
struct rep {
	struct io_uring dst;
	long long ns;			/* >= 0: the method timed itself */
};

struct method {
	const char *name;
	bool needs_clone;
	/* slots one operation handles; 0: not measured for this N */
	unsigned int (*files)(unsigned int n);
	int (*prep)(struct bench *b, struct rep *r);	/* not timed */
	int (*run)(struct bench *b, struct rep *r);	/* timed */
};

/* ---- per-repetition setup, not timed ---- */

static int prep_none(struct bench *b, struct rep *r)
{
	return 0;
}

static int prep_empty(struct bench *b, struct rep *r)
{
	return ring_init(&r->dst, 8, 0);
}

static int prep_sparse(struct bench *b, struct rep *r)
{
	return prep_empty(b, r) ?:
	       io_uring_register_files_sparse(&r->dst, b->n);
}

static int prep_registered(struct bench *b, struct rep *r)
{
	return prep_empty(b, r) ?:
	       io_uring_register_files(&r->dst, b->fds, b->n);
}

static int prep_cloned(struct bench *b, struct rep *r)
{
	return prep_empty(b, r) ?:
	       clone_files(&r->dst, b->src.ring_fd, 0, 0, 0, 0);
}

/* a target deep enough to take one CQE per message of a whole batch */
static int prep_msg_target(struct bench *b, struct rep *r)
{
	int ret = ring_init(&r->dst, *b->src.sq.kring_entries, 0);

	return ret ?: io_uring_register_files_sparse(&r->dst, b->n);
}

/* Unregisters first: closing a ring frees its table later, in a kworker. */
static void rep_cleanup(struct rep *r)
{
	if (r->dst.ring_fd >= 0) {
		io_uring_unregister_files(&r->dst);
		ring_exit(&r->dst);
	}
}

/* ---- the timed operations ---- */

static int run_clone(struct bench *b, struct rep *r)
{
	return clone_files(&r->dst, b->src.ring_fd, 0, 0, 0, 0);
}

static int run_clone_empty(struct bench *b, struct rep *r)
{
	return clone_files(&r->dst, b->sparse.ring_fd, 0, 0, 0, 0);
}

static int run_clone_replace(struct bench *b, struct rep *r)
{
	return clone_files(&r->dst, b->src.ring_fd,
			   IORING_REGISTER_DST_REPLACE, 0, 0, 0);
}

/* the second half's first sixteenth, to slot 0 */
static int run_clone_range16(struct bench *b, struct rep *r)
{
	return clone_files(&r->dst, b->src.ring_fd, 0, b->n / 2, 0, b->n / 16);
}

/*
 * DST_REPLACE of 16 slots in the middle of a table of N registered files:
 * the cost of a small replace against the size of the table around it.
 */
static int run_replace16(struct bench *b, struct rep *r)
{
	return clone_files(&r->dst, b->src.ring_fd, IORING_REGISTER_DST_REPLACE,
			   0, b->n / 2 - 8, 16);
}

static int run_register(struct bench *b, struct rep *r)
{
	return io_uring_register_files(&r->dst, b->fds, b->n);
}

static int run_update_sparse(struct bench *b, struct rep *r)
{
	int ret = io_uring_register_files_update_tag(&r->dst, 0, b->fds, NULL,
						     b->n);

	if (ret < 0)
		return ret;
	return ret == (int)b->n ? 0 : -EIO;
}

static int run_unregister(struct bench *b, struct rep *r)
{
	return io_uring_unregister_files(&r->dst);
}

/*
 * One IORING_MSG_SEND_FD per file, from slot i of ring A to slot i of the
 * target, as many per io_uring_enter() as A's SQ holds.  The target's CQEs
 * are consumed too, as the thread owning it would.
 */
static int run_msg_ring(struct bench *b, struct rep *r)
{
	struct io_uring *src = &b->src, *dst = &r->dst;
	struct io_uring_cqe cqe;
	struct io_uring_sqe *sqe;
	unsigned int done, batch, i;
	int ret;

	for (done = 0; done < b->n; done += batch) {
		batch = b->n - done;
		if (batch > *src->sq.kring_entries)
			batch = *src->sq.kring_entries;
		for (i = 0; i < batch; i++) {
			sqe = io_uring_get_sqe(src);
			if (!sqe)
				return -EBUSY;
			io_uring_prep_rw(IORING_OP_MSG_RING, sqe, dst->ring_fd,
					 (void *)IORING_MSG_SEND_FD, 0, 0);
			sqe->addr3 = done + i;		/* A's slot */
			sqe->file_index = done + i + 1;	/* target slot + 1 */
			sqe->off = done + i;		/* target's user_data */
			sqe->user_data = done + i;
		}
		ret = io_uring_submit(src);
		if (ret < 0)
			return ret;
		if (ret != (int)batch)
			return -EAGAIN;
		for (i = 0; i < batch; i++) {
			ret = wait_cqe(src, &cqe);
			if (ret)
				return ret;
			if (cqe.res < 0)
				return cqe.res;
		}
		for (i = 0; i < batch; i++) {
			if (peek_cqe(dst, &cqe))
				return -ENODATA;
			if (cqe.res < 0)
				return cqe.res;
		}
	}
	return 0;
}

struct dup_fd_arg {
	long long ns;
	int err;
};

static void *dup_fd_thread(void *p)
{
	struct dup_fd_arg *a = p;
	long long t0;
	int ret;

	/* the thread shares the fd table with main: unshare copies it */
	t0 = now_ns();
	ret = unshare(CLONE_FILES);
	a->ns = now_ns() - t0;
	a->err = ret ? errno : 0;
	/*
	 * Drop the private copy now: exit_files() runs after the futex wake
	 * that ends pthread_join(), so it would overlap the next repetition.
	 */
	if (!ret)
		syscall(__NR_close_range, 3U, ~0U, 0U);
	return NULL;
}

/* Thread creation is not timed: the thread times its unshare() call. */
static int run_dup_fd(struct bench *b, struct rep *r)
{
	struct dup_fd_arg a = { .ns = -1 };
	pthread_t t;
	int ret;

	ret = pthread_create(&t, NULL, dup_fd_thread, &a);
	if (ret)
		return -ret;
	pthread_join(t, NULL);
	if (a.err)
		return -a.err;
	r->ns = a.ns;
	return 0;
}

static unsigned int files_all(unsigned int n)
{
	return n;
}

static unsigned int files_sixteenth(unsigned int n)
{
	return n / 16;
}

static unsigned int files_16(unsigned int n)
{
	return n >= 16 ? 16 : 0;
}

static const struct method methods[] = {
	{ "clone",		   true,  files_all, prep_empty,      run_clone },
	{ "clone_replace",	   true,  files_all, prep_registered, run_clone_replace },
	{ "clone_range16",	   true,  files_sixteenth, prep_empty, run_clone_range16 },
	{ "clone_empty",	   true,  files_all, prep_empty,      run_clone_empty },
	{ "replace16",		   true,  files_16,  prep_registered, run_replace16 },
	{ "register",		   false, files_all, prep_empty,      run_register },
	{ "update_sparse",	   false, files_all, prep_sparse,     run_update_sparse },
	{ "msg_ring",		   false, files_all, prep_msg_target, run_msg_ring },
	{ "dup_fd",		   false, files_all, prep_none,       run_dup_fd },
	{ "unregister",		   true,  files_all, prep_cloned,     run_unregister },
	{ "unregister_registered", false, files_all, prep_registered, run_unregister },
};
#define NR_METHODS (sizeof(methods) / sizeof(methods[0]))

/* ---- the timing loop shared by all methods ---- */

/* Measures @reps operations into @ns; returns 0 or -errno. */
static int measure(struct bench *b, const struct method *m,
		   unsigned int reps, long long *ns)
{
	struct rep r;
	long long t0, t1;
	unsigned int i;
	int ret;

	for (i = 0; i < reps; i++) {
		memset(&r, 0, sizeof(r));
		r.dst.ring_fd = -1;
		r.ns = -1;
		ret = m->prep(b, &r);
		if (ret) {
			rep_cleanup(&r);
			return ret;
		}
		t0 = now_ns();
		ret = m->run(b, &r);
		t1 = now_ns();
		rep_cleanup(&r);
		if (ret)
			return ret;
		ns[i] = r.ns >= 0 ? r.ns : t1 - t0;
	}
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static unsigned int fixed_reps;		/* -r, 0: adaptive */
static long long target_ns = TARGET_NS;	/* -t, adaptive: time per point */

/* Returns 0, or -errno; the point is printed on success. */
static int bench_point(struct bench *b, const struct method *m)
{
	static long long ns[MAX_REPS];
	unsigned int files = m->files(b->n), reps = fixed_reps;
	long long warm, median;
	int ret;

	/* one untimed warm-up, which also sizes the adaptive run */
	ret = measure(b, m, 1, &warm);
	if (ret)
		return ret;
	if (!reps) {
		warm = warm > 0 ? warm : 1;
		reps = target_ns / warm + 1;
		reps = reps < MIN_REPS ? MIN_REPS : reps > MAX_REPS ? MAX_REPS : reps;
	}
	fprintf(stderr, "N=%u %s: %u reps\n", b->n, m->name, reps);
	ret = measure(b, m, reps, ns);
	if (ret)
		return ret;
	qsort(ns, reps, sizeof(ns[0]), cmp_ll);
	median = reps & 1 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
	printf("%s\t%u\t%u\t%lld\t%lld\t%lld\t%.2f\n", m->name, b->n, reps,
	       median, ns[0], ns[reps - 1], (double)median / files);
	fflush(stdout);
	return 0;
}

/* ---- per-N setup ---- */

static void bench_teardown(struct bench *b)
{
	unsigned int i;

	if (b->src.ring_fd >= 0) {
		io_uring_unregister_files(&b->src);
		ring_exit(&b->src);
	}
	if (b->sparse.ring_fd >= 0) {
		io_uring_unregister_files(&b->sparse);
		ring_exit(&b->sparse);
	}
	if (b->fds) {
		for (i = 0; i < b->n; i++)
			if (b->fds[i] >= 0)
				close(b->fds[i]);
		free(b->fds);
	}
	memset(b, 0, sizeof(*b));
	b->src.ring_fd = -1;
	b->sparse.ring_fd = -1;
}

/* Returns 0 or -errno; @what tells which step failed. */
static int bench_setup(struct bench *b, unsigned int n, const char **what)
{
	char path[64];
	unsigned int i, entries;
	int fd, ret;

	memset(b, 0, sizeof(*b));
	b->src.ring_fd = -1;
	b->sparse.ring_fd = -1;
	b->n = n;
	*what = "malloc";
	b->fds = malloc(n * sizeof(*b->fds));
	if (!b->fds)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		b->fds[i] = -1;

	*what = "open";
	snprintf(path, sizeof(path), "/tmp/clone-bench.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	unlink(path);
	b->fds[0] = fd;
	*what = "dup";
	for (i = 1; i < n; i++) {
		b->fds[i] = dup(fd);
		if (b->fds[i] < 0)
			return -errno;
	}

	/* MSG_RING batches as deep as A's SQ: the largest size allowed */
	*what = "io_uring_setup";
	for (entries = MSG_RING_SQ; entries; entries /= 2) {
		ret = ring_init(&b->src, entries, 0);
		if (ret != -EINVAL && ret != -ENOMEM)
			break;
	}
	if (ret)
		return ret;
	*what = "IORING_REGISTER_FILES (ring A)";
	ret = io_uring_register_files(&b->src, b->fds, n);
	if (ret)
		return ret;
	*what = "IORING_REGISTER_FILES2 sparse (empty source)";
	return ring_init(&b->sparse, 8, 0) ?:
	       io_uring_register_files_sparse(&b->sparse, n);
}

/* ---- RLIMIT_NOFILE ---- */

#ifndef NR_OPEN_PATH
#define NR_OPEN_PATH "/proc/sys/fs/nr_open"
#endif
static unsigned long nr_open_saved;

static unsigned long read_nr_open(void)
{
	unsigned long v = 0;
	FILE *f = fopen(NR_OPEN_PATH, "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static int write_nr_open(unsigned long v)
{
	FILE *f = fopen(NR_OPEN_PATH, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%lu\n", v) < 0;
	ret |= fclose(f) != 0;
	return ret ? -1 : 0;
}

static void restore_nr_open(void)
{
	if (nr_open_saved && !write_nr_open(nr_open_saved))
		fprintf(stderr, "fs.nr_open restored to %lu\n", nr_open_saved);
}

/*
 * Soft and hard RLIMIT_NOFILE to @want: dup() needs the fds, and both
 * IORING_REGISTER_FILES and CLONE_FILES refuse tables larger than the soft
 * limit.  The hard limit can't exceed fs.nr_open (1048576 by default, less
 * than the largest default N + stdio + rings), so as root that is raised
 * too, for this run only.
 */
static void raise_nofile(rlim_t want)
{
	struct rlimit rl, nrl;
	unsigned long nr_open;
	int err;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	nrl.rlim_cur = want;
	nrl.rlim_max = rl.rlim_max > want ? rl.rlim_max : want;
	if (!setrlimit(RLIMIT_NOFILE, &nrl))
		return;
	err = errno;
	nr_open = read_nr_open();
	if (err == EPERM && nr_open && nr_open < want && !write_nr_open(want)) {
		nr_open_saved = nr_open;
		atexit(restore_nr_open);
		fprintf(stderr, "fs.nr_open raised from %lu to %lu for this run\n",
			nr_open, (unsigned long)want);
		if (!setrlimit(RLIMIT_NOFILE, &nrl))
			return;
		err = errno;
	}
	fprintf(stderr, "setrlimit(RLIMIT_NOFILE, %lu): %s; keeping %lu, larger N will fail\n",
		(unsigned long)want, strerror(err), (unsigned long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* ---- command line ---- */

static void usage(const char *prog)
{
	unsigned int i;

	fprintf(stderr,
		"usage: %s [-n LIST] [-m LIST] [-r REPS | -t MS]\n"
		"  -n LIST  comma-separated table sizes (default 1,16,256,4096,65536,1048576)\n"
		"  -m LIST  comma-separated methods (default all):\n          ",
		prog);
	for (i = 0; i < NR_METHODS; i++)
		fprintf(stderr, "%s%s", methods[i].name,
			i + 1 < NR_METHODS ? "," : "\n");
	fprintf(stderr,
		"  -r REPS  repetitions per point (default: enough for ~50 ms, %d..%d)\n"
		"  -t MS    the time the adaptive default aims at per point (default 50)\n"
		"stdout: method N reps median_ns min_ns max_ns ns_per_file (TSV)\n"
		"exit: 0 OK, 1 error, 2 IORING_REGISTER_CLONE_FILES not supported\n"
		"      (clone methods skipped, the others measured)\n",
		MIN_REPS, MAX_REPS);
}

static int parse_sizes(char *s, unsigned int *out)
{
	char *tok, *end;
	unsigned long v;
	int nr = 0;

	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		errno = 0;
		v = strtoul(tok, &end, 0);
		if (errno || *end || !*tok || !v || v > MAX_N || nr == MAX_LIST)
			return -1;
		out[nr++] = v;
	}
	return nr;
}

static int parse_methods(char *s, bool *sel)
{
	char *tok;
	unsigned int i;

	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		for (i = 0; i < NR_METHODS; i++)
			if (!strcmp(tok, methods[i].name))
				break;
		if (i == NR_METHODS) {
			fprintf(stderr, "unknown method '%s'\n", tok);
			return -1;
		}
		sel[i] = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char def_sizes[] = "1,16,256,4096,65536,1048576";
	unsigned int sizes[MAX_LIST], max_n = 0, i, j;
	bool sel[NR_METHODS] = { false }, any_sel = false, skipped = false;
	int nr_sizes, opt, supported, ret, status = 0;
	char *size_arg = def_sizes;
	const char *what;
	struct bench b;
	unsigned long v;
	char *end;

	while ((opt = getopt(argc, argv, "n:m:r:t:h")) != -1) {
		switch (opt) {
		case 'n':
			size_arg = optarg;
			break;
		case 'm':
			if (parse_methods(optarg, sel))
				return 1;
			break;
		case 'r':
			v = strtoul(optarg, &end, 0);
			if (*end || !*optarg || !v || v > MAX_REPS) {
				fprintf(stderr, "-r: 1..%d\n", MAX_REPS);
				return 1;
			}
			fixed_reps = v;
			break;
		case 't':
			v = strtoul(optarg, &end, 0);
			if (*end || !*optarg || !v || v > 60000) {
				fprintf(stderr, "-t: 1..60000 ms\n");
				return 1;
			}
			target_ns = v * 1000000LL;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	nr_sizes = parse_sizes(size_arg, sizes);
	if (optind != argc || nr_sizes <= 0) {
		usage(argv[0]);
		return 1;
	}
	for (i = 0; i < NR_METHODS; i++)
		any_sel |= sel[i];
	if (!any_sel)
		for (i = 0; i < NR_METHODS; i++)
			sel[i] = true;
	for (i = 0; i < (unsigned int)nr_sizes; i++)
		max_n = sizes[i] > max_n ? sizes[i] : max_n;
	raise_nofile((rlim_t)max_n + 64);

	supported = clone_files_supported();
	if (supported < 0) {
		fprintf(stderr, "IORING_REGISTER_CLONE_FILES probe: %s (%d)\n",
			strerror(-supported), -supported);
		return 1;
	}
	if (!supported) {
		for (i = 0; i < NR_METHODS; i++) {
			if (sel[i] && methods[i].needs_clone) {
				fprintf(stderr, "%s%s", skipped ? "," : "IORING_REGISTER_CLONE_FILES not supported (EINVAL): skipping ",
					methods[i].name);
				sel[i] = false;
				skipped = true;
			}
		}
		if (skipped)
			fputc('\n', stderr);
	}
	for (any_sel = false, i = 0; i < NR_METHODS; i++)
		any_sel |= sel[i];

	printf("method\tN\treps\tmedian_ns\tmin_ns\tmax_ns\tns_per_file\n");
	fflush(stdout);
	for (i = 0; any_sel && i < (unsigned int)nr_sizes; i++) {
		fprintf(stderr, "N=%u: setup (%u fds, ring A)\n", sizes[i], sizes[i]);
		ret = bench_setup(&b, sizes[i], &what);
		if (ret) {
			fprintf(stderr, "N=%u: %s: %s (%d)%s\n", sizes[i], what,
				strerror(-ret), -ret,
				ret == -ENOMEM || ret == -EMFILE ? ", N dropped" : "");
			if (ret != -ENOMEM && ret != -EMFILE)
				status = 1;
			bench_teardown(&b);
			continue;
		}
		for (j = 0; j < NR_METHODS; j++) {
			if (!sel[j])
				continue;
			if (!methods[j].files(sizes[i])) {
				fprintf(stderr, "N=%u %s: skipped (N < 16)\n",
					sizes[i], methods[j].name);
				continue;
			}
			ret = bench_point(&b, &methods[j]);
			if (ret == -ENOMEM) {
				fprintf(stderr, "N=%u %s: %s, point dropped\n",
					sizes[i], methods[j].name, strerror(-ret));
			} else if (ret) {
				fprintf(stderr, "N=%u %s: FAILED: %s (%d)\n",
					sizes[i], methods[j].name,
					strerror(-ret), -ret);
				status = 1;
			}
		}
		bench_teardown(&b);
	}
	return status ? status : skipped ? 2 : 0;
}
