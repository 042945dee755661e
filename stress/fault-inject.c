// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: fail the 1st, 2nd, ... slab allocation inside one
 * IORING_REGISTER_CLONE_FILES call (/proc/thread-self/fail-nth with
 * failslab) until the call runs without an injected failure.  After every
 * injected failure the call must have returned -ENOMEM and both rings must
 * be exactly as before: every slot's file, no tag CQE, the table size, the
 * slot IORING_FILE_INDEX_ALLOC picks, and the tags still registered.
 *
 * Two passes over every variant:
 *  - any slab cache: fail-nth also counts kmemleak's metadata allocation
 *    made for every object, whose failure kmemleak absorbs (it falls back
 *    to its memory pool).  Such a call succeeds; then its result is checked
 *    as a complete clone;
 *  - kmalloc caches only (failslab cache-filter with the kmalloc-* caches
 *    flagged in /sys/kernel/slab): every injected failure hits the clone's
 *    own allocations (table, bitmap, nodes) and must give ENOMEM.
 *
 * Every attempt uses a fresh destination ring, so that the nodes come from
 * kmalloc and not from the ring's node cache; tables have at most 64 slots,
 * so that kvmalloc uses kmalloc too.  The source holds a pipe's write end:
 * once all rings are gone, its read end must see EOF (no reference leaked).
 *
 * One variant clones a ring into itself (DST_REPLACE, overlapping ranges,
 * growing the table): its fresh ring is source and destination, holds the
 * pipe's write end in a slot of the copied range, and must be exactly as
 * before after every injected failure.
 */

#include "stress.h"
#include <dirent.h>

#define NSLOTS		64
#define MAX_POINTS	1000
#define FAILSLAB	"/sys/kernel/debug/failslab/"

#define SRC_TAG(slot)	(0x5ec0000ULL + (slot))
#define DST_TAG(slot)	(0xd570000ULL + (slot))

struct variant {
	const char *name;
	unsigned int dst_nr;		/* populated destination, 0: none */
	unsigned int range_off, range_len;	/* narrowed alloc range */
	unsigned int flags, src_off, dst_off, nr;
	bool self;			/* the destination is its own source */
};

static const struct variant variants[] = {
	{ "full clone into an empty ring", 0, 0, 0, 0, 0, 0, 0 },
	{ "DST_REPLACE of a populated tagged table", NSLOTS, 0, 0,
	  IORING_REGISTER_DST_REPLACE, 0, 0, 0 },
	{ "ranged DST_REPLACE that grows a tagged table", 40, 8, 16,
	  IORING_REGISTER_DST_REPLACE, 5, 30, 34 },
	{ "ranged clone into an empty ring", 0, 0, 0, 0, 10, 20, 24 },
	{ "self clone: overlapping DST_REPLACE within a tagged ring, growing it",
	  48, 0, 0, IORING_REGISTER_DST_REPLACE, 4, 12, 40, true },
};

#define SELF_SENTINEL	5	/* slot of the self variant's pipe write end */

/* failslab fails allocations from any slab cache, or kmalloc caches only */
enum mode { ANY_CACHE, KMALLOC_ONLY };

struct run {
	const struct variant *v;
	enum mode mode;
};

static int fail_nth_fd = -1;

static void set_fail_nth(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	CHECK_EQ((long)strlen(buf), pwrite(fail_nth_fd, buf, strlen(buf), 0));
}

static unsigned int get_fail_nth(void)
{
	char buf[16] = "";

	CHECK(pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) > 0);
	return strtoul(buf, NULL, 10);
}

/*
 * 49 of 64 slots occupied, all tagged: file i in slot i, slots 4k+2 empty
 * but slot 2, which holds the sentinel pipe's write end.
 */
static void src_layout(struct layout *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = NSLOTS;
	for (i = 0; i < NSLOTS; i++) {
		l->file[i] = i % 4 == 2 ? EMPTY : (int)i;
		l->tag[i] = SRC_TAG(i);
	}
	l->file[2] = SENTINEL;
}

/* file 63 - i in slot i, slots 3k+1 empty, all tagged. */
static void dst_layout(struct layout *l, const struct variant *v)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = v->dst_nr;
	for (i = 0; i < v->dst_nr; i++) {
		l->file[i] = i % 3 == 1 ? EMPTY : (int)(NSLOTS - 1 - i);
		l->tag[i] = DST_TAG(i);
	}
	if (v->self)
		l->file[SELF_SENTINEL] = SENTINEL;
}

static void make_dst(struct ring *dst, struct layout *l,
		     const struct variant *v, const struct tfiles *tf)
{
	CHECK_EQ(0, ring_init(dst, 64, 0));	/* room for 64 tag CQEs */
	dst_layout(l, v);
	if (!l->nr)
		return;
	register_layout(dst, tf, l);
	if (v->range_len) {
		CHECK_EQ(0, ring_file_alloc_range(dst, v->range_off,
						  v->range_len));
		l->alloc_start = v->range_off;
		l->alloc_end = v->range_off + v->range_len;
	}
}

/* @dst is as in @l; destructive: ends with its table unregistered. */
static void check_dst(struct ring *dst, const struct layout *l,
		      const struct tfiles *tf)
{
	expect_no_cqe(dst);
	check_layout(dst, l);
	check_alloc(dst, tf, l);
	expect_no_cqe(dst);
	if (l->nr)
		unregister_expect_tags(dst, l);
}

static void check_src(struct ring *src, const struct layout *l)
{
	expect_no_cqe(src);
	check_layout(src, l);
}

static void run_variant(void *arg)
{
	const struct run *run = arg;
	const struct variant *v = run->v;
	unsigned int n, left, enomem = 0, absorbed = 0;
	struct layout sl, dl, want;
	struct ring src, dst;
	__u64 replaced[MAX_SLOTS];
	struct tfiles tf;
	int ret, nr_replaced, sp[2];

	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		skip_test("/proc/thread-self/fail-nth: %s", strerror(errno));
	tfiles_create(&tf, NSLOTS);
	sentinel_pipe(sp);
	tf.sentinel = sp[1];
	CHECK_EQ(0, ring_init(&src, 64, 0));
	src_layout(&sl);
	register_layout(&src, &tf, &sl);
	if (!v->self) {
		close(sp[1]);	/* only the tables hold the write end now */
		tf.sentinel = -1;
	}

	for (n = 1; n <= MAX_POINTS; n++) {
		CTX("%s, failing allocation %u", v->name, n);
		make_dst(&dst, &dl, v, &tf);
		want = dl;
		layout_clone(&want, v->self ? &dl : &sl, v->src_off,
			     v->dst_off, v->nr, replaced, &nr_replaced);

		set_fail_nth(n);
		ret = clone_files(&dst, v->self ? dst.fd : src.fd, v->flags,
				  v->src_off, v->dst_off, v->nr);
		left = get_fail_nth();
		if (left)
			set_fail_nth(0);

		if (left || !ret) {
			/* no failure injected, or one the kernel absorbed */
			CHECK_EQ(0, ret);
			expect_tags(&dst, replaced, nr_replaced);
			check_dst(&dst, &want, &tf);
			check_src(&src, &sl);
			ring_exit(&dst);
			if (left)
				break;
			absorbed++;
			continue;
		}
		CHECK_EQ(-ENOMEM, ret);
		enomem++;
		check_dst(&dst, &dl, &tf);
		check_src(&src, &sl);
		ring_exit(&dst);
	}
	CTX("%s", v->name);
	CHECK(n <= MAX_POINTS);
	unregister_expect_tags(&src, &sl);
	ring_exit(&src);
	if (v->self)
		close(sp[1]);	/* the self clones' rings are all gone */
	/* every file reference the clones took was dropped again */
	CHECK_EQ(0, wait_eof(sp[0], 5000));
	tfiles_destroy(&tf);
	printf("  %u injection points: %u gave ENOMEM with %s unchanged, "
	       "%u absorbed (call succeeded, result checked)\n",
	       n - 1, enomem, v->self ? "the ring" : "both rings", absorbed);
	CHECK(enomem > 0);
	if (run->mode == KMALLOC_ONLY)
		CHECK_EQ(0, absorbed);
}

/* Flags (1) or unflags (0) every kmalloc-* cache for the cache filter. */
static int flag_kmalloc_caches(const char *val)
{
	char path[300];
	struct dirent *d;
	int nr = 0;
	DIR *dir;

	dir = opendir("/sys/kernel/slab");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "kmalloc-", 8))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/failslab",
			 d->d_name);
		if (write_file(path, val)) {
			closedir(dir);
			return -EPERM;
		}
		nr++;
	}
	closedir(dir);
	return nr ? nr : -ENOENT;
}

int main(void)
{
	unsigned int i;
	char name[160];
	int ret;

	stress_init();
	if (write_file(FAILSLAB "ignore-gfp-wait", "N") ||
	    write_file(FAILSLAB "verbose", "0")) {
		printf("failslab is not available in debugfs\n");
		tally.skipped++;
		return summary();
	}
	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		struct run run = { &variants[i], ANY_CACHE };

		snprintf(name, sizeof(name), "fault-inject, any slab cache: %s",
			 variants[i].name);
		run_test(name, run_variant, &run, 600);
	}

	ret = flag_kmalloc_caches("1");
	if (ret < 0 || write_file(FAILSLAB "cache-filter", "Y")) {
		printf("cannot restrict failslab to the kmalloc caches: %s\n",
		       strerror(ret < 0 ? -ret : errno));
		tally.skipped += ARRAY_SIZE(variants);
		flag_kmalloc_caches("0");
		return summary();
	}
	printf("failslab restricted to %d kmalloc caches\n", ret);
	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		struct run run = { &variants[i], KMALLOC_ONLY };

		snprintf(name, sizeof(name), "fault-inject, kmalloc caches: %s",
			 variants[i].name);
		run_test(name, run_variant, &run, 600);
	}
	write_file(FAILSLAB "cache-filter", "N");
	flag_kmalloc_caches("0");
	return summary();
}
