// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel memory per registered-file slot: /proc/meminfo (and /proc/slabinfo
 * when the kernel has it, CONFIG_SLUB_DEBUG) read just before and just after
 * one operation that gives an empty ring a table of N files:
 *   clone     IORING_REGISTER_CLONE_FILES of ring A's whole table
 *   register  IORING_REGISTER_FILES of the N fds A was registered from
 *   none      nothing between the two reads: the noise floor
 * The rings exist before the first read; the table is unregistered (not
 * measured) before the next round, and the counters must hold still for
 * 50 ms before each first read. Rounds alternate between the methods; the
 * summary takes each method's median round.
 *
 * All N fds are dup()s of one tmpfs file, so no struct file is allocated
 * by either method: what grows is the ring's own table.
 *
 * stdout, tab-separated, one record per line, first field the kind:
 *   round  method N round slab_B sunreclaim_B vmalloc_B memfree_B
 *   cache  method N round cache objsize delta_objs delta_B   (slabinfo;
 *          caches whose active objects changed by >= N/64)
 *   mem    method N rounds B_per_slot memfree_B_per_slot    (median round;
 *          B = Slab + VmallocUsed delta, memfree = MemFree decrease)
 * Exit: 0 OK, 1 error, 2 the kernel lacks IORING_REGISTER_CLONE_FILES.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"

#define MAX_ROUNDS	31
#define MAX_CACHES	512

struct slab_cache {
	char name[64];
	long active, objsize;
};

struct snapshot {
	long long slab, sunreclaim, vmalloc, memfree;	/* bytes */
	int nr_caches;					/* -1: no slabinfo */
	struct slab_cache caches[MAX_CACHES];
};

static long long meminfo_field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	long long kb;

	if (!p || sscanf(p + strlen(key), " %lld", &kb) != 1)
		return -1;
	return kb * 1024;
}

static int read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got + 1 < len && (r = read(fd, buf + got, len - 1 - got)) > 0)
		got += r;
	close(fd);
	buf[got] = 0;
	return 0;
}

static int snap(struct snapshot *s)
{
	static char buf[1 << 17];
	char *line, *save;
	int ret;

	ret = read_file("/proc/meminfo", buf, sizeof(buf));
	if (ret)
		return ret;
	s->slab = meminfo_field(buf, "\nSlab:");
	s->sunreclaim = meminfo_field(buf, "\nSUnreclaim:");
	s->vmalloc = meminfo_field(buf, "\nVmallocUsed:");
	s->memfree = meminfo_field(buf, "\nMemFree:");
	if (s->slab < 0 || s->memfree < 0)
		return -ENODATA;
	if (s->vmalloc < 0)
		s->vmalloc = 0;

	s->nr_caches = -1;
	if (read_file("/proc/slabinfo", buf, sizeof(buf)))
		return 0;
	s->nr_caches = 0;
	for (line = strtok_r(buf, "\n", &save); line && s->nr_caches < MAX_CACHES;
	     line = strtok_r(NULL, "\n", &save)) {
		struct slab_cache *c = &s->caches[s->nr_caches];
		long total;

		/* name active_objs num_objs objsize ... */
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld %ld %ld", c->name, &c->active,
			   &total, &c->objsize) == 4)
			s->nr_caches++;
	}
	return 0;
}

static long long slab_kernel_bytes(const struct snapshot *s)
{
	return s->slab + s->vmalloc;
}

/*
 * Frees the kernel defers (RCU callbacks, kmemleak's own objects on the
 * debug kernel) would land inside the next measurement: wait until Slab +
 * VmallocUsed holds still for 50 ms, 2 s at most, before "before".
 */
static int settle(struct snapshot *s)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	long long last = -1;
	int ret, i;

	for (i = 0; i < 40; i++) {
		ret = snap(s);
		if (ret || slab_kernel_bytes(s) == last)
			return ret;
		last = slab_kernel_bytes(s);
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void print_cache_deltas(const char *method, unsigned int n, int round,
			       const struct snapshot *a, const struct snapshot *b)
{
	int i, j;

	if (a->nr_caches < 0 || b->nr_caches < 0)
		return;
	for (i = 0; i < b->nr_caches; i++) {
		long before = 0, d;

		for (j = 0; j < a->nr_caches; j++)
			if (!strcmp(a->caches[j].name, b->caches[i].name))
				before = a->caches[j].active;
		d = b->caches[i].active - before;
		if (labs(d) * 64 >= (long)n)
			printf("cache\t%s\t%u\t%d\t%s\t%ld\t%ld\t%lld\n", method, n,
			       round, b->caches[i].name, b->caches[i].objsize, d,
			       (long long)d * b->caches[i].objsize);
	}
}

enum { M_CLONE, M_REGISTER, M_NONE, NR_M };
static const char *const mnames[NR_M] = { "clone", "register", "none" };

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long median(long long *v, int nr)
{
	qsort(v, nr, sizeof(*v), cmp_ll);
	return nr & 1 ? v[nr / 2] : (v[nr / 2 - 1] + v[nr / 2]) / 2;
}

int main(int argc, char **argv)
{
	static struct snapshot before, after;
	long long kern[NR_M][MAX_ROUNDS], freed[NR_M][MAX_ROUNDS];
	unsigned int n = 65536, rounds = 5, i;
	int *fds, fd, opt, ret, m, r;
	struct io_uring a, b;
	struct rlimit rl;
	char path[64];

	while ((opt = getopt(argc, argv, "n:k:h")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			rounds = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n N] [-k ROUNDS]\n"
				"  N slots (default 65536), ROUNDS per method (default 5, max %d)\n",
				argv[0], MAX_ROUNDS);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (!n || n > (1U << 20) || !rounds || rounds > MAX_ROUNDS) {
		fprintf(stderr, "-n 1..%u, -k 1..%d\n", 1U << 20, MAX_ROUNDS);
		return 1;
	}
	ret = clone_files_supported();
	if (ret <= 0) {
		fprintf(stderr, "IORING_REGISTER_CLONE_FILES %s\n",
			ret ? strerror(-ret) : "not supported");
		return ret ? 1 : 2;
	}

	/* the fds and both tables must fit under the soft RLIMIT_NOFILE */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < n + 64) {
		rl.rlim_cur = n + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			perror("setrlimit(RLIMIT_NOFILE)");
	}
	fds = malloc(n * sizeof(*fds));
	snprintf(path, sizeof(path), "/tmp/clone-mem.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!fds || fd < 0) {
		perror("setup");
		return 1;
	}
	unlink(path);
	fds[0] = fd;
	for (i = 1; i < n; i++) {
		fds[i] = dup(fd);
		if (fds[i] < 0) {
			perror("dup");
			return 1;
		}
	}
	ret = ring_init(&a, 8, 0) ?: io_uring_register_files(&a, fds, n) ?:
	      ring_init(&b, 8, 0);
	if (ret) {
		fprintf(stderr, "ring setup: %s\n", strerror(-ret));
		return 1;
	}

	printf("# clone-mem: N=%u rounds=%u slabinfo=%s page=%ld\n", n, rounds,
	       access("/proc/slabinfo", R_OK) ? "no" : "yes",
	       sysconf(_SC_PAGESIZE));
	for (r = 0; r < (int)rounds; r++) {
		for (m = 0; m < NR_M; m++) {
			ret = settle(&before);
			if (ret)
				break;
			if (m == M_CLONE)
				ret = clone_files(&b, a.ring_fd, 0, 0, 0, 0);
			else if (m == M_REGISTER)
				ret = io_uring_register_files(&b, fds, n);
			if (ret) {
				fprintf(stderr, "%s: %s\n", mnames[m], strerror(-ret));
				break;
			}
			ret = snap(&after);
			if (ret)
				break;
			kern[m][r] = slab_kernel_bytes(&after) - slab_kernel_bytes(&before);
			freed[m][r] = before.memfree - after.memfree;
			printf("round\t%s\t%u\t%d\t%lld\t%lld\t%lld\t%lld\n",
			       mnames[m], n, r, after.slab - before.slab,
			       after.sunreclaim - before.sunreclaim,
			       after.vmalloc - before.vmalloc, freed[m][r]);
			print_cache_deltas(mnames[m], n, r, &before, &after);
			if (m != M_NONE) {
				ret = io_uring_unregister_files(&b);
				if (ret) {
					fprintf(stderr, "unregister: %s\n", strerror(-ret));
					break;
				}
			}
		}
		if (ret) {
			fprintf(stderr, "round %d: %s\n", r, strerror(-ret));
			return 1;
		}
	}
	for (m = 0; m < NR_M; m++)
		printf("mem\t%s\t%u\t%u\t%.2f\t%.2f\n", mnames[m], n, rounds,
		       (double)median(kern[m], rounds) / n,
		       (double)median(freed[m], rounds) / n);
	ring_exit(&b);
	io_uring_unregister_files(&a);
	ring_exit(&a);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}
