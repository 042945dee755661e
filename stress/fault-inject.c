// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: fail the 1st, 2nd, ... slab allocation inside one
 * IORING_REGISTER_CLONE_FILES call (/proc/thread-self/fail-nth with
 * failslab).  After every injected failure the call must have returned
 * -ENOMEM and both rings must be exactly as before: every slot's file, no
 * tag CQE, the table size, the slot IORING_FILE_INDEX_ALLOC picks, and the
 * tags still registered; or, for a failure the kernel absorbs, the call
 * must have succeeded with a complete result.  Likewise every allocation
 * of an IORING_REGISTER_FILES of a dense and of a sparse table: -ENOMEM
 * and no table, or the whole table.
 *
 * The injection points are not just counted but predicted, point by point,
 * from the tables involved (model_clone(), model_register()), after
 * io_uring/rsrc.c of the core (patches 1-7) with any prefix of the
 * optional patches 8-10.  Two facts tell them apart (probe_series()):
 * nodes in bulk (patch 8 on) show as the "io_rsrc_node" cache in
 * /sys/kernel/slab; the files taken first (patch 10) show when failing the
 * first point of a clone of 64 slots that grows a table to 1024 slots
 * gives ENOMEM, where without patch 10 it is the table's kmalloc, absorbed
 * by the vmalloc fallback.  A clone's points, in order:
 *  - with patch 10 only, under both locks: the taken files
 *    (io_clone_files()), one kvmalloc of struct io_cloned_files, 8 B and
 *    16 B per occupied slot of the source range; the rest comes after the
 *    source is unlocked, without patch 10 under both locks;
 *  - the destination's new table, always, also when it does not grow:
 *    io_rsrc_data_alloc(), one zeroed kvmalloc of nr_files pointers,
 *    nr_files = max(dst_off + nr, the old size).  A kvmalloc up to a page
 *    is one kmalloc whose failure fails the call; above a page and up to
 *    KMALLOC_MAX_CACHE_SIZE (8 KiB) kvmalloc absorbs the kmalloc's failure
 *    by falling back to vmalloc (whose own allocations come after the
 *    injected failure: not points); above 8 KiB kmalloc goes straight to
 *    the page allocator, which failslab does not see (the debug config has
 *    no CONFIG_FAIL_PAGE_ALLOC): no point at all;
 *  - the bitmap, bitmap_zalloc(): one kmalloc (8 KiB for 65536 slots);
 *  - a node per occupied slot of the source range, in slot order (the
 *    slots outside it keep theirs).  Core: io_rsrc_node_alloc(), from the
 *    destination's node cache (ctx->node_cache: up to 128 nodes the ring
 *    freed) if it has one, else one point, a kmalloc of 24 B
 *    (kmalloc-cg-32).  Patch 8 on: io_node_batch_get(), batches from the
 *    "io_rsrc_node" slab cache that bypass the ring's node cache, each one
 *    kmem_cache_alloc_bulk() of min(32, files left) nodes with patch 10,
 *    min(32, slots left in the range) before it: one point
 *    (should_failslab() is called once per bulk call); a batch's unused
 *    nodes are freed in bulk.
 * IORING_REGISTER_FILES makes the table and the bitmap, then the nodes as
 * the clone does, a batch min(32, slots left), -1 entries included.
 * Every attempt uses a fresh destination ring that has freed no node
 * (registering a table frees none, and the nodes a DST_REPLACE replaces
 * are freed only after the clone's allocations), except in the one
 * variant whose destination registered and unregistered 30 files first:
 * on the core its first 30 nodes come from its cache, from patch 8 on
 * none does.  On a failure the new table and every node made for it are
 * freed, and both rings are as they were.
 *
 * Two passes:
 *  - accounted caches only (failslab cache-filter with the kmalloc-cg-*
 *    caches and the io_rsrc_node cache flagged in /sys/kernel/slab;
 *    flagging needs unmerged caches, so the kernel boots with
 *    slab_nomerge): the allocations are all GFP_KERNEL_ACCOUNT or from the
 *    SLAB_ACCOUNT node cache, so these are exactly their points, and the
 *    model must match exactly: ENOMEM where it says, the vmalloc fallback
 *    where it says, and the first fail-nth at which the call succeeds with
 *    no failure injected is the number of points + 1.  Unaccounted kmalloc
 *    caches are not flagged: SLUB allocates its per-CPU "sheaves" there
 *    (a kmalloc when a cache's sheaves run out, on allocation or free,
 *    depending on history and CPU), and vmalloc's vm_struct and page array;
 *    then two failures at once: fail-nth fails the 8 KiB table's kmalloc
 *    attempt (kvmalloc falls back to vmalloc) and failslab's own counters
 *    (task filter, times, space) fail one later point, the bitmap or a
 *    node (batch), so that the error path frees a vmalloc'd table;
 *  - any slab cache: fail-nth also counts kmemleak's metadata allocation
 *    made right after every tracked object (slab objects, each object of a
 *    bulk allocation, and large kmallocs), whose failure kmemleak absorbs
 *    (it falls back to its memory pool), and the empty sheaves SLUB
 *    allocates (their failure is absorbed too, and each is tracked by
 *    kmemleak).  The model has kmemleak's points; the sheaves make the
 *    rest history-dependent, so this pass checks the first point exactly
 *    and then every outcome, and the count only as the model's plus two
 *    per sheaf (at least the model's, an even number more).
 * "--skew N" makes every model N points too long (or short), to see these
 * checks fail: every subtest with a model fails with an odd N.
 *
 * Tables: the small variants have at most 64 slots (kvmalloc is one
 * kmalloc) and are checked slot by slot; two large ones grow the populated
 * 64-slot destination to 1024 slots (8 KiB of pointers: the vmalloc
 * fallback) and to 65536 slots (512 KiB of pointers from the page
 * allocator, an 8 KiB bitmap), checked by table size and a sample of
 * slots, the latter at a sample of its points.  /proc/vmallocinfo shows
 * whether a table was vmalloc'd (caller io_rsrc_data_alloc): exactly when
 * the model says the fallback was taken.  The registered tables have 100
 * and 160 slots (below a page of pointers), each more than a batch.
 *
 * The source holds a pipe's write end: once all rings are gone, its read
 * end must see EOF (no reference leaked); so does every registered table.
 * One variant clones a ring into itself (DST_REPLACE, overlapping ranges,
 * growing the table): its fresh ring is source and destination, holds the
 * pipe's write end in a slot of the copied range, and must be exactly as
 * before after every injected failure.
 *
 * Nothing here is skipped: a missing failslab, fail-nth, make-it-fail,
 * cache filter or vmallocinfo, or io_uring itself, is a failure.
 */

#include "stress.h"
#include <dirent.h>

#define NSLOTS		64
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define VMALLOCINFO	"/proc/vmallocinfo"

#define PAGE_SZ			4096UL
#define KMALLOC_MAX_CACHE	(2 * PAGE_SZ)	/* KMALLOC_MAX_CACHE_SIZE */
#define NODE_SIZE		24	/* sizeof(struct io_rsrc_node) */
#define NODE_KMALLOC_OBJ	32	/* core: its kmalloc-cg-32 object */
#define NODE_CACHE		"io_rsrc_node"	/* patch 8 on: its own cache */
#define NODE_BATCH		32	/* IO_NODE_BATCH */
/* struct io_cloned_files: a header, then an entry per taken file */
#define TAKEN_HDR		8
#define TAKEN_ENTRY		16

#define SRC_TAG(slot)	(0x5ec0000ULL + (slot))
#define DST_TAG(slot)	(0xd570000ULL + (slot))

struct variant {
	const char *name;
	unsigned int dst_nr;		/* populated destination, 0: none */
	unsigned int range_off, range_len;	/* narrowed alloc range */
	unsigned int flags, src_off, dst_off, nr;
	bool self;			/* the destination is its own source */
	unsigned int warm;		/* nodes the destination freed first */
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
	{ "full clone into a ring whose node cache holds 30 nodes", 0, 0, 0,
	  0, 0, 0, 0, false, 30 },
};

/*
 * Large tables: a DST_REPLACE into the populated tagged 64-slot
 * destination that grows it to @table slots.  @sampled: inject at a sample
 * of the points (the first six, a few later ones, the last three, one past
 * the end) instead of every one.
 */
struct big_variant {
	const char *name;
	unsigned int src_nr;		/* source table size */
	unsigned int src_off, dst_off, nr;
	unsigned int table;		/* the destination's new size */
	bool sampled;
};

static const struct big_variant bigs[] = {
	{ "1024-slot table, 8 KiB of pointers: kvmalloc's vmalloc fallback; "
	  "the source cloned into its last 64 slots", NSLOTS, 0, 960, NSLOTS,
	  1024, false },
	{ "65536-slot table, 512 KiB of pointers and an 8 KiB bitmap: "
	  "DST_REPLACE by a 65536-slot source holding 1122 files", 65536, 0, 0,
	  0, 65536, true },
};

#define VMALLOC_BIG	0	/* bigs[] entry the two-failure pass uses */

/*
 * IORING_REGISTER_FILES of @nr slots into a fresh ring: file i % 64 in slot
 * i, the sentinel pipe's write end in slot REG_SENTINEL; @hole: the slots
 * i % hole == 1 are -1 (0: none).  Both take more than one node batch.
 */
struct reg_variant {
	const char *name;
	unsigned int nr, hole;
};

static const struct reg_variant regs[] = {
	{ "IORING_REGISTER_FILES of 100 files", 100, 0 },
	{ "IORING_REGISTER_FILES of 160 slots, every third -1: 107 files",
	  160, 3 },
};

#define REG_MAX		160
#define REG_SENTINEL	3

#define SELF_SENTINEL	5	/* slot of the self variant's pipe write end */

/*
 * failslab fails allocations from any slab cache, or from the accounted
 * ones only: kmalloc-cg-* and NODE_CACHE
 */
enum mode { ANY_CACHE, ACCOUNTED };

static const char *const mode_name[] = {
	[ANY_CACHE] = "any slab cache",
	[ACCOUNTED] = "accounted caches",
};

struct run {
	const struct variant *v;
	const struct big_variant *b;
	const struct reg_variant *r;
	enum mode mode;
};

static bool kmemleak_on;	/* kmemleak tracks (and allocates for) objects */
/*
 * What the kernel does: filling a table takes its nodes in batches from
 * NODE_CACHE (patch 8 on: the cache exists); a clone takes the source's
 * files before it allocates the table (patch 10: probe_series()).
 */
static bool bulk_nodes;
static bool take_first;
static int skew;		/* --skew: points the model adds (or drops) */

/* ---- fail-nth ---- */

static int fail_nth_fd = -1;

static void open_fail_nth(void)
{
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		die_at(__FILE__, __LINE__, "/proc/thread-self/fail-nth: %s",
		       strerror(errno));
}

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

static long read_long(const char *path)
{
	char buf[32];
	int n = read_file(path, buf, sizeof(buf));

	if (n < 0)
		die_at(__FILE__, __LINE__, "%s: %s", path, strerror(-n));
	CHECK(n > 0);
	return strtol(buf, NULL, 10);
}

static void write_or_die(const char *path, const char *val)
{
	int ret = write_file(path, val);

	if (ret)
		die_at(__FILE__, __LINE__, "writing %s to %s: %s", val, path,
		       strerror(-ret));
}

/* Tables whose pointer array io_rsrc_data_alloc() got from vmalloc. */
static int vmalloc_tables(void)
{
	FILE *f = fopen(VMALLOCINFO, "re");
	size_t len = 0;
	char *line = NULL;
	int n = 0;

	if (!f)
		die_at(__FILE__, __LINE__, VMALLOCINFO ": %s", strerror(errno));
	while (getline(&line, &len, f) > 0)
		if (strstr(line, " io_rsrc_data_alloc+"))
			n++;
	free(line);
	fclose(f);
	return n;
}

/* ---- the model: what failing the n-th failslab point of a call does ---- */

enum kind { P_NONE, P_ENOMEM, P_KMEMLEAK, P_VMALLOC };

static const char *const kind_name[] = {
	[P_NONE] = "no failure injected",
	[P_ENOMEM] = "ENOMEM",
	[P_KMEMLEAK] = "a kmemleak metadata failure, absorbed",
	[P_VMALLOC] = "a kmalloc failure kvmalloc absorbs with vmalloc",
};

struct model {
	unsigned int nr, cap;		/* points */
	unsigned char *kind;		/* kind[n - 1]: failing point n */
	char what[320];
};

/* The next point: failing it does @kind. */
static void model_point(struct model *m, enum kind kind)
{
	if (m->nr == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->kind = realloc(m->kind, m->cap);
		CHECK(m->kind != NULL);
	}
	m->kind[m->nr++] = kind;
}

static void __attribute__((format(printf, 2, 3)))
model_say(struct model *m, const char *fmt, ...)
{
	size_t len = strlen(m->what);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->what + len, sizeof(m->what) - len, fmt, ap);
	va_end(ap);
}

/* kmemleak_alloc() right after each of @nr objects, slab or page-backed */
static void model_kmemleak(struct model *m, enum mode mode, unsigned int nr)
{
	while (mode == ANY_CACHE && kmemleak_on && nr--)
		model_point(m, P_KMEMLEAK);
}

/* One allocation of @size; @kind: what failing its kmalloc does. */
static void model_alloc(struct model *m, enum mode mode, size_t size,
			enum kind kind)
{
	/* larger kmallocs go to the page allocator: no failslab point */
	if (size <= KMALLOC_MAX_CACHE)
		model_point(m, kind);
	model_kmemleak(m, mode, 1);
}

static const char *kvmalloc_note(size_t size)
{
	return size > KMALLOC_MAX_CACHE ? ", page allocator: no point" :
	       size > PAGE_SZ ? ", vmalloc fallback" : "";
}

/* io_alloc_file_tables(): a table of @nr_files slots and its bitmap. */
static void model_tables(struct model *m, enum mode mode,
			 unsigned int nr_files)
{
	size_t table = (size_t)nr_files * sizeof(void *);
	size_t bitmap = (nr_files + 63) / 64 * sizeof(long);

	model_alloc(m, mode, table, table > PAGE_SZ ? P_VMALLOC : P_ENOMEM);
	model_alloc(m, mode, bitmap, P_ENOMEM);
	model_say(m, "table of %u slots (%zu B%s), bitmap (%zu B), ", nr_files,
		  table, kvmalloc_note(table), bitmap);
}

/*
 * The nodes of filling @nr slots, those with @occ[i] set (@occ NULL: all),
 * into a ring whose node cache holds @cached.  Core: io_rsrc_node_alloc(),
 * the ring's cache first, then a kmalloc each.  Full series:
 * io_node_batch_get(), the ring's cache bypassed; an empty batch is
 * refilled at an occupied slot with min(NODE_BATCH, slots left) nodes by
 * one kmem_cache_alloc_bulk(): one point, then kmemleak's for each node.
 */
static void model_nodes(struct model *m, enum mode mode, const bool *occ,
			unsigned int nr, unsigned int cached)
{
	unsigned int i, nodes = 0, points = 0, made = 0, left = 0;

	for (i = 0; i < nr; i++) {
		if (occ && !occ[i])
			continue;
		nodes++;
		if (bulk_nodes) {
			if (!left) {
				left = nr - i < NODE_BATCH ? nr - i :
				       NODE_BATCH;
				made += left;
				points++;
				model_point(m, P_ENOMEM);
				model_kmemleak(m, mode, left);
			}
			left--;
		} else if (cached) {
			cached--;
		} else {
			made++;
			points++;
			model_alloc(m, mode, NODE_SIZE, P_ENOMEM);
		}
	}
	if (bulk_nodes)
		model_say(m, "%u nodes in %u bulk batch%s (%u allocated)",
			  nodes, points, points == 1 ? "" : "es", made);
	else
		model_say(m, "%u node kmallocs", made);
	if (nodes > made)
		model_say(m, ", %u nodes from the ring's cache", nodes - made);
}

/* --skew, and the rest of the description. */
static void model_finish(struct model *m, enum mode mode)
{
	int i;

	for (i = 0; i < skew; i++)
		model_point(m, P_ENOMEM);
	if (skew < 0)
		m->nr = (unsigned int)-skew > m->nr ? 0 : m->nr + skew;
	model_say(m, "%s%s",
		  mode == ANY_CACHE && kmemleak_on ? ", each object with "
		  "kmemleak's" : "", skew ? ", SKEWED by --skew" : "");
}

/*
 * The failslab points of one clone of @nr source slots, @occ[i]: slot i
 * of the range has a file, that gives the destination a table of
 * @nr_files slots, its node cache holding @cached nodes, in the order the
 * kernel makes them: the taken files with patch 10, the table and its
 * bitmap, then the nodes.  A node batch is min(NODE_BATCH, files left)
 * with patch 10 (it counted the taken files), min(NODE_BATCH, slots left
 * in the range) before it.
 */
static void model_clone(struct model *m, enum mode mode, unsigned int nr_files,
			const bool *occ, unsigned int nr, unsigned int cached)
{
	unsigned int i, nodes = 0;
	size_t taken;

	for (i = 0; i < nr; i++)
		nodes += occ[i];
	taken = TAKEN_HDR + (size_t)nodes * TAKEN_ENTRY;
	memset(m, 0, sizeof(*m));
	if (take_first) {
		/*
		 * Freed before the call returns: a vmalloc fallback for it
		 * would not show in vmallocinfo, and no variant needs it.
		 */
		CHECK(taken <= PAGE_SZ || taken > KMALLOC_MAX_CACHE);
		model_alloc(m, mode, taken, P_ENOMEM);
		model_say(m, "%u files taken (%zu B%s), ", nodes, taken,
			  kvmalloc_note(taken));
	}
	model_tables(m, mode, nr_files);
	if (take_first)
		model_nodes(m, mode, NULL, nodes, cached);
	else
		model_nodes(m, mode, occ, nr, cached);
	model_finish(m, mode);
}

/* IORING_REGISTER_FILES of @nr slots, @occ[i]: slot i has a file. */
static void model_register(struct model *m, enum mode mode, const bool *occ,
			   unsigned int nr)
{
	memset(m, 0, sizeof(*m));
	model_tables(m, mode, nr);
	/* a fresh ring: its node cache is empty */
	model_nodes(m, mode, occ, nr, 0);
	model_finish(m, mode);
}

static unsigned int model_count(const struct model *m, enum kind kind)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->nr; i++)
		n += m->kind[i] == kind;
	return n;
}

/* ---- one attempt ---- */

struct outcome {
	int ret;
	unsigned int left;	/* fail-nth after the call: 0 if it fired */
	int vtables;		/* vmalloc'd tables it added, -1: not watched */
};

/* Arms fail-nth at point @n; the call follows, then inject_end(). */
static void inject_start(struct outcome *o, unsigned int n, bool watch)
{
	o->vtables = watch ? vmalloc_tables() : -1;
	set_fail_nth(n);
}

/* The call returned @ret. */
static void inject_end(struct outcome *o, int ret)
{
	o->ret = ret;
	o->left = get_fail_nth();
	if (o->left)
		set_fail_nth(0);
	if (o->vtables >= 0)
		o->vtables = vmalloc_tables() - o->vtables;
}

static void inject(struct io_uring *dst, int src_fd, unsigned int flags,
		   unsigned int src_off, unsigned int dst_off, unsigned int nr,
		   unsigned int n, bool watch, struct outcome *o)
{
	inject_start(o, n, watch);
	inject_end(o, clone_files(dst, src_fd, flags, src_off, dst_off, nr));
}

/* The outcome of failing point @n is what the model says; returns its kind. */
static enum kind expect_outcome(const struct model *m, unsigned int n,
				const struct outcome *o)
{
	enum kind k = n <= m->nr ? m->kind[n - 1] : P_NONE;
	int want = k == P_ENOMEM ? -ENOMEM : 0;

	if (k == P_NONE && !o->left)
		die_at(__FILE__, __LINE__,
		       "fail-nth %u: a failure was injected (ret %d): the call "
		       "makes more failslab points than the %u of the model",
		       n, o->ret, m->nr);
	if (k == P_NONE && o->left != n - m->nr)
		die_at(__FILE__, __LINE__,
		       "fail-nth %u: the call made %u failslab points, the "
		       "model %u", n, n - o->left, m->nr);
	if (k != P_NONE && o->left)
		die_at(__FILE__, __LINE__,
		       "fail-nth %u: no failure injected (ret %d): the call "
		       "made only %u failslab points, the model expects %u (%s)",
		       n, o->ret, n - o->left, m->nr, kind_name[k]);
	if (o->ret != want)
		die_at(__FILE__, __LINE__,
		       "fail-nth %u (%s): the call returned %d, not %d", n,
		       kind_name[k], o->ret, want);
	if (o->vtables >= 0 && o->vtables != (k == P_VMALLOC))
		die_at(__FILE__, __LINE__,
		       "fail-nth %u (%s): %d vmalloc'd tables more in "
		       VMALLOCINFO ", expected %d (a table above 8 KiB falls "
		       "back only if the page allocator has no free block of "
		       "its size)", n, kind_name[k], o->vtables,
		       k == P_VMALLOC);
	return k;
}

/*
 * The any-cache pass: point 1 is the first allocation's kmalloc (or, for
 * one from the page allocator, kmemleak's object for it) as in the model;
 * after it the slab allocator's sheaves may add points, so a failure must
 * only give ENOMEM or be absorbed, and a table may be vmalloc'd only at the
 * model's table point or later (the sheaves' points shift it, never
 * earlier).  Returns what happened.
 */
static enum kind any_outcome(const struct model *m, unsigned int n,
			     const struct outcome *o)
{
	unsigned int vpt = 0;
	enum kind k;

	if (n == 1 && m->nr)
		return expect_outcome(m, n, o);
	while (vpt < m->nr && m->kind[vpt] != P_VMALLOC)
		vpt++;
	if (o->vtables > 0 && (vpt == m->nr || n < vpt + 1))
		die_at(__FILE__, __LINE__,
		       "fail-nth %u: the table was vmalloc'd, but only failing "
		       "the table's point (%u in the model, later with sheaves) "
		       "makes kvmalloc fall back (or a page allocator without "
		       "a free block of the table's size)", n,
		       vpt < m->nr ? vpt + 1 : 0);
	k = o->left ? P_NONE : o->ret == -ENOMEM ? P_ENOMEM :
	    o->vtables > 0 ? P_VMALLOC : P_KMEMLEAK;
	if (k != P_ENOMEM && o->ret)
		die_at(__FILE__, __LINE__,
		       "fail-nth %u (%s): the call returned %d", n,
		       k == P_NONE ? kind_name[k] : "absorbed", o->ret);
	return k;
}

static enum kind check_outcome(enum mode mode, const struct model *m,
			       unsigned int n, const struct outcome *o)
{
	return mode == ACCOUNTED ? expect_outcome(m, n, o) :
	       any_outcome(m, n, o);
}

/*
 * A clone that made @points failslab points with none failed: the model's
 * exactly (accounted pass), or the model's plus two per empty sheaf the
 * slab allocator allocated, the sheaf and its kmemleak object.
 */
static void check_count(enum mode mode, const struct model *m,
			unsigned int points)
{
	if (mode == ACCOUNTED && points != m->nr)
		die_at(__FILE__, __LINE__,
		       "the call made %u failslab points, the model %u",
		       points, m->nr);
	if (mode == ANY_CACHE && (points < m->nr || (points - m->nr) % 2))
		die_at(__FILE__, __LINE__,
		       "the call made %u failslab points: not the model's "
		       "%u plus an even number (an empty sheaf and its "
		       "kmemleak object)", points, m->nr);
}

/*
 * The attempts are over: the call made @points failslab points with none
 * failed; @tried attempts, at every point if @every, gave @enomem ENOMEMs
 * (leaving @one_ring or both rings unchanged) and @absorbed failures the
 * call absorbed.  Checks the count and the ENOMEMs, reports, frees @m.
 */
static void end_points(enum mode mode, struct model *m, unsigned int points,
		       unsigned int tried, unsigned int enomem,
		       unsigned int absorbed, bool one_ring, bool every)
{
	char extra[80] = "";

	check_count(mode, m, points);
	if (mode == ANY_CACHE)
		snprintf(extra, sizeof(extra),
			 " + %u for %u empty sheaves", points - m->nr,
			 (points - m->nr) / 2);
	printf("  %u injection points (model: %u: %s%s): %u tried, %u gave "
	       "ENOMEM with %s unchanged, %u absorbed (call succeeded, result "
	       "checked)\n", points, m->nr, m->what, extra, tried, enomem,
	       one_ring ? "the ring" : "both rings", absorbed);
	if (mode == ACCOUNTED && every)
		CHECK_EQ(model_count(m, P_ENOMEM), enomem);
	CHECK(enomem > 0);
	free(m->kind);
}

/* ---- the small variants: every slot checked ---- */

/*
 * 49 of the first 64 slots occupied: file i in slot i, slots 4k+2 empty
 * but slot 2, which holds the sentinel pipe's write end; in a larger
 * source, every 61st slot holds file slot % 64 (1073 more in 65536 slots).
 */
static int src_file(unsigned int i)
{
	if (i >= NSLOTS)
		return i % 61 ? EMPTY : (int)(i % NSLOTS);
	if (i == 2)
		return SENTINEL;
	return i % 4 == 2 ? EMPTY : (int)i;
}

static void src_layout(struct layout *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = NSLOTS;
	for (i = 0; i < NSLOTS; i++) {
		l->file[i] = src_file(i);
		l->tag[i] = SRC_TAG(i);
	}
}

/* file 63 - i in slot i, slots 3k+1 empty, all tagged. */
static void dst_layout(struct layout *l, unsigned int nr, bool self)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = nr;
	for (i = 0; i < nr; i++) {
		l->file[i] = i % 3 == 1 ? EMPTY : (int)(NSLOTS - 1 - i);
		l->tag[i] = DST_TAG(i);
	}
	if (self)
		l->file[SELF_SENTINEL] = SENTINEL;
}

static unsigned int occupied(const struct layout *l, unsigned int off,
			     unsigned int nr)
{
	unsigned int i, n = 0;

	for (i = off; i < off + nr; i++)
		n += l->file[i] != EMPTY;
	return n;
}

static void make_dst(struct io_uring *dst, struct layout *l,
		     const struct variant *v, const struct tfiles *tf)
{
	CHECK_EQ(0, ring_init(dst, 64, 0));	/* room for 64 tag CQEs */
	if (v->warm) {
		int fds[MAX_SLOTS];
		unsigned int i;

		/* leaves v->warm nodes in the ring's node cache */
		for (i = 0; i < v->warm; i++)
			fds[i] = tf->fd[i];
		CHECK_EQ(0, io_uring_register_files(dst, fds, v->warm));
		CHECK_EQ(0, io_uring_unregister_files(dst));
		expect_no_cqe(dst);
	}
	dst_layout(l, v->dst_nr, v->self);
	if (!l->nr)
		return;
	register_layout(dst, tf, l);
	if (v->range_len) {
		CHECK_EQ(0, io_uring_register_file_alloc_range(dst,
				v->range_off, v->range_len));
		l->alloc_start = v->range_off;
		l->alloc_end = v->range_off + v->range_len;
	}
}

/* @dst is as in @l; destructive: ends with its table unregistered. */
static void check_dst(struct io_uring *dst, const struct layout *l,
		      const struct tfiles *tf)
{
	expect_no_cqe(dst);
	check_layout(dst, l);
	check_alloc(dst, tf, l);
	expect_no_cqe(dst);
	if (l->nr)
		unregister_expect_tags(dst, l);
}

static void check_src(struct io_uring *src, const struct layout *l)
{
	expect_no_cqe(src);
	check_layout(src, l);
}

static void run_variant(void *arg)
{
	const struct run *run = arg;
	const struct variant *v = run->v;
	unsigned int i, n, nr, taken, enomem = 0, absorbed = 0;
	struct layout sl, dl, want;
	bool occ[MAX_SLOTS];
	struct io_uring src, dst;
	__u64 replaced[MAX_SLOTS];
	struct outcome o;
	struct tfiles tf;
	struct model m;
	int nr_replaced, sp[2];

	open_fail_nth();
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

	/*
	 * The model: a node per occupied source slot of the range; the
	 * destination's cache holds the v->warm nodes of the warm-up, less
	 * those registering its table took from it (on the core only).
	 */
	dst_layout(&dl, v->dst_nr, v->self);
	nr = v->nr ? v->nr : v->self ? dl.nr : sl.nr;
	for (i = 0; i < nr; i++)
		occ[i] = (v->self ? &dl : &sl)->file[v->src_off + i] != EMPTY;
	taken = bulk_nodes ? 0 : occupied(&dl, 0, dl.nr);
	model_clone(&m, run->mode,
		    v->dst_off + nr > dl.nr ? v->dst_off + nr : dl.nr, occ, nr,
		    v->warm > taken ? v->warm - taken : 0);

	/* until no failure was injected: the model says where */
	for (n = 1, o.left = 0; !o.left; n++) {
		enum kind k;

		CTX("%s, failing allocation %u", v->name, n);
		CHECK(n <= 4 * m.nr + 100);
		make_dst(&dst, &dl, v, &tf);
		want = dl;
		layout_clone(&want, v->self ? &dl : &sl, v->src_off,
			     v->dst_off, v->nr, replaced, &nr_replaced);

		inject(&dst, v->self ? dst.ring_fd : src.ring_fd, v->flags,
		       v->src_off, v->dst_off, v->nr, n, false, &o);
		k = check_outcome(run->mode, &m, n, &o);
		if (k == P_ENOMEM) {
			enomem++;
			check_dst(&dst, &dl, &tf);
		} else {
			/* no failure injected, or one the kernel absorbed */
			absorbed += k != P_NONE;
			expect_tags(&dst, replaced, nr_replaced);
			check_dst(&dst, &want, &tf);
		}
		check_src(&src, &sl);
		ring_exit(&dst);
	}
	CTX("%s", v->name);
	unregister_expect_tags(&src, &sl);
	ring_exit(&src);
	if (v->self)
		close(sp[1]);	/* the self clones' rings are all gone */
	/* every file reference the clones took was dropped again */
	CHECK_EQ(0, wait_eof(sp[0], 5000));
	tfiles_destroy(&tf);
	n--;	/* the last attempt, the one without a failure */
	end_points(run->mode, &m, n - o.left, n, enomem, absorbed, v->self,
		   true);
}

/* ---- the large variants: table size and a sample of slots checked ---- */

struct big {
	const struct big_variant *b;
	struct tfiles tf;
	struct io_uring src;
	struct layout sl;		/* the source if it has 64 slots */
	struct layout dl;		/* the destination before the clone */
	unsigned int nr, end;		/* cloned slots, dst_off + nr */
	unsigned int *dsamples, nr_dsamples;	/* slots checked */
	unsigned int *ssamples, nr_ssamples;
	int sp[2];
};

/*
 * Slots 0-63, the last 64, both ends of the range, every nr/64th, and
 * every 8th of the big source's files.
 */
static unsigned int sample_slots(unsigned int nr, unsigned int a,
				 unsigned int b, unsigned int **out)
{
	unsigned char *pick = calloc(nr, 1);
	unsigned int i, n = 0, stride = nr / 64 ? nr / 64 : 1;
	long s;

	CHECK(pick != NULL);
	for (i = 0; i < 64 && i < nr; i++)
		pick[i] = pick[nr - 1 - i] = 1;
	for (i = 0; i < nr; i += 61 * 8)
		pick[i] = 1;
	for (s = (long)a - 2; s <= (long)a + 2; s++)
		if (s >= 0 && s < nr)
			pick[s] = 1;
	for (s = (long)b - 2; s <= (long)b + 2; s++)
		if (s >= 0 && s < nr)
			pick[s] = 1;
	for (i = 0; i < nr; i += stride)
		pick[(i + i / stride % 7) % nr] = 1;
	*out = malloc(nr * sizeof(**out));
	CHECK(*out != NULL);
	for (i = 0; i < nr; i++)
		if (pick[i])
			(*out)[n++] = i;
	free(pick);
	return n;
}

/* The destination's slot @d after a successful clone. */
static int big_dst_file(const struct big *g, unsigned int d)
{
	const struct big_variant *b = g->b;

	if (d >= b->dst_off && d < g->end)
		return src_file(b->src_off + d - b->dst_off);
	return d < g->dl.nr ? g->dl.file[d] : EMPTY;
}

static void big_setup(struct big *g, const struct big_variant *b)
{
	struct rlimit rl;

	memset(g, 0, sizeof(*g));
	g->b = b;
	CHECK_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < b->table && rl.rlim_max >= b->table)
		CHECK_EQ(0, set_nofile(b->table, rl.rlim_max));
	tfiles_create(&g->tf, NSLOTS);
	sentinel_pipe(g->sp);
	g->tf.sentinel = g->sp[1];
	CHECK_EQ(0, ring_init(&g->src, 64, 0));
	if (b->src_nr == NSLOTS) {
		src_layout(&g->sl);
		register_layout(&g->src, &g->tf, &g->sl);
	} else {
		/* untagged: unregistering it would post too many CQEs */
		int *fds = malloc(b->src_nr * sizeof(*fds));
		unsigned int i;

		CHECK(fds != NULL);
		for (i = 0; i < b->src_nr; i++) {
			int f = src_file(i);

			fds[i] = f == EMPTY ? -1 : f == SENTINEL ?
				 g->sp[1] : g->tf.fd[f];
		}
		CHECK_EQ(0, io_uring_register_files(&g->src, fds, b->src_nr));
		free(fds);
	}
	close(g->sp[1]);	/* only the tables hold the write end now */
	g->tf.sentinel = -1;
	dst_layout(&g->dl, NSLOTS, false);
	g->nr = b->nr ? b->nr : b->src_nr;
	g->end = b->dst_off + g->nr;
	CHECK_EQ(b->table, g->end > NSLOTS ? g->end : NSLOTS);
	g->nr_dsamples = sample_slots(b->table, b->dst_off, g->end,
				      &g->dsamples);
	g->nr_ssamples = sample_slots(b->src_nr, b->src_off,
				      b->src_off + g->nr, &g->ssamples);
}

/* model_clone() of @g's clone */
static void big_model(const struct big *g, struct model *m, enum mode mode)
{
	bool *occ = malloc(g->nr * sizeof(*occ));
	unsigned int i;

	CHECK(occ != NULL);
	for (i = 0; i < g->nr; i++)
		occ[i] = src_file(g->b->src_off + i) != EMPTY;
	model_clone(m, mode, g->b->table, occ, g->nr, 0);
	free(occ);
}

static void big_teardown(struct big *g)
{
	if (g->b->src_nr == NSLOTS) {
		unregister_expect_tags(&g->src, &g->sl);
	} else {
		CHECK_EQ(0, io_uring_unregister_files(&g->src));
		expect_no_cqe(&g->src);
	}
	ring_exit(&g->src);
	/* every file reference the clones took was dropped again */
	CHECK_EQ(0, wait_eof(g->sp[0], 5000));
	tfiles_destroy(&g->tf);
	free(g->dsamples);
	free(g->ssamples);
}

static void big_make_dst(struct big *g, struct io_uring *dst, struct layout *dl)
{
	CHECK_EQ(0, ring_init(dst, 64, 0));
	*dl = g->dl;
	register_layout(dst, &g->tf, dl);
}

static void big_check_src(struct big *g)
{
	unsigned int i;

	if (g->b->src_nr == NSLOTS) {
		check_src(&g->src, &g->sl);
		return;
	}
	expect_no_cqe(&g->src);
	check_size(&g->src, g->b->src_nr);
	for (i = 0; i < g->nr_ssamples; i++) {
		unsigned int s = g->ssamples[i];
		int got = slot_file(&g->src, s);

		if (got != slot_expect(src_file(s)))
			die_at(__FILE__, __LINE__,
			       "source slot %u: expected %d, got %d", s,
			       slot_expect(src_file(s)), got);
	}
}

/* The clone succeeded: @dst is the grown table; destructive. */
static void big_check_dst(struct big *g, struct io_uring *dst)
{
	__u64 tags[MAX_SLOTS];
	unsigned int i, d;
	int n = 0, want = -ENFILE, got;

	/* the tagged slots the range replaced posted their tags */
	for (d = g->b->dst_off; d < g->end && d < g->dl.nr; d++)
		if (g->dl.file[d] != EMPTY && g->dl.tag[d])
			tags[n++] = g->dl.tag[d];
	expect_tags(dst, tags, n);
	check_size(dst, g->b->table);
	for (i = 0; i < g->nr_dsamples; i++) {
		unsigned int s = g->dsamples[i];

		got = slot_file(dst, s);
		if (got != slot_expect(big_dst_file(g, s)))
			die_at(__FILE__, __LINE__,
			       "destination slot %u: expected %d, got %d", s,
			       slot_expect(big_dst_file(g, s)), got);
	}
	/* the range covered the whole table: it covers the grown one */
	for (d = 0; d < g->b->table; d++)
		if (big_dst_file(g, d) == EMPTY) {
			want = d;
			break;
		}
	got = open_direct(dst, g->tf.path[0], O_RDONLY,
			  IORING_FILE_INDEX_ALLOC);
	CHECK_EQ(want, got);
	CHECK_EQ(0, slot_file(dst, got));
	CHECK_EQ(0, close_direct(dst, got));
	expect_no_cqe(dst);
	/* the kept slots still carry their tags */
	n = 0;
	for (d = 0; d < g->dl.nr; d++)
		if ((d < g->b->dst_off || d >= g->end) &&
		    g->dl.file[d] != EMPTY && g->dl.tag[d])
			tags[n++] = g->dl.tag[d];
	CHECK_EQ(0, io_uring_unregister_files(dst));
	expect_tags(dst, tags, n);
}

/* The @nr @want[] within 1..@max into @out, sorted, without duplicates. */
static unsigned int sort_points(const unsigned int *want, unsigned int nr,
				unsigned int max, unsigned int *out)
{
	unsigned int i, n = 0, last = 0;

	for (;;) {
		unsigned int next = UINT_MAX;

		for (i = 0; i < nr; i++)
			if (want[i] > last && want[i] <= max && want[i] < next)
				next = want[i];
		if (next == UINT_MAX)
			return n;
		out[n++] = last = next;
	}
}

/* The points to inject at: all, or the first six, a few, the last three. */
static unsigned int pick_points(const struct model *m, bool sampled,
				unsigned int **out)
{
	unsigned int want[] = { 1, 2, 3, 4, 5, 6, 1000, m->nr / 2,
				m->nr - 2, m->nr - 1, m->nr, m->nr + 1 };
	unsigned int i, n = 0;

	*out = malloc((m->nr + 1 + ARRAY_SIZE(want)) * sizeof(**out));
	CHECK(*out != NULL);
	if (sampled)
		return sort_points(want, ARRAY_SIZE(want), m->nr + 1, *out);
	for (i = 1; i <= m->nr + 1; i++)
		(*out)[n++] = i;
	return n;
}

static void run_big(void *arg)
{
	const struct run *run = arg;
	const struct big_variant *b = run->b;
	unsigned int i, *pts, nr_pts, points = 0, enomem = 0, absorbed = 0;
	struct outcome o;
	struct model m;
	struct big g;

	open_fail_nth();
	big_setup(&g, b);
	big_model(&g, &m, run->mode);
	nr_pts = pick_points(&m, b->sampled, &pts);
	for (i = 0; i <= nr_pts && !points; i++) {
		/* in the any-cache pass the end can lie further: probe it */
		unsigned int n = i < nr_pts ? pts[i] : 1U << 24;
		struct layout dl;
		struct io_uring dst;
		enum kind k;

		CTX("%s, failing allocation %u", b->name, n);
		big_make_dst(&g, &dst, &dl);
		inject(&dst, g.src.ring_fd, IORING_REGISTER_DST_REPLACE,
		       b->src_off, b->dst_off, b->nr, n, true, &o);
		k = check_outcome(run->mode, &m, n, &o);
		if (k == P_NONE)
			points = n - o.left;
		if (k == P_ENOMEM) {
			enomem++;
			check_dst(&dst, &dl, &g.tf);
		} else {
			absorbed += k != P_NONE;
			big_check_dst(&g, &dst);
		}
		big_check_src(&g);
		ring_exit(&dst);
	}
	CTX("%s", b->name);
	big_teardown(&g);
	free(pts);
	end_points(run->mode, &m, points, i, enomem, absorbed, false,
		   !b->sampled);
}

/* ---- IORING_REGISTER_FILES: all or nothing ---- */

/*
 * Fail each point of registering a table in turn: -ENOMEM and no table in
 * the ring, or (no failure injected, or one absorbed) the whole table.
 * Every reference a failed registration took is dropped: the sentinel
 * pipe's read end sees EOF at the end.
 */
static void run_register(void *arg)
{
	const struct run *run = arg;
	const struct reg_variant *rv = run->r;
	unsigned int i, n, enomem = 0, absorbed = 0;
	int fds[REG_MAX], file[REG_MAX], sp[2];
	bool occ[REG_MAX];
	struct io_uring r;
	struct outcome o;
	struct tfiles tf;
	struct model m;

	open_fail_nth();
	tfiles_create(&tf, NSLOTS);
	sentinel_pipe(sp);
	CHECK(rv->nr <= REG_MAX);
	for (i = 0; i < rv->nr; i++) {
		occ[i] = !rv->hole || i % rv->hole != 1;
		file[i] = !occ[i] ? EMPTY : i == REG_SENTINEL ? SENTINEL :
			  (int)(i % NSLOTS);
		fds[i] = file[i] == EMPTY ? -1 : file[i] == SENTINEL ? sp[1] :
			 tf.fd[file[i]];
	}
	CHECK(occ[REG_SENTINEL]);
	model_register(&m, run->mode, occ, rv->nr);

	/* until no failure was injected: the model says where */
	for (n = 1, o.left = 0; !o.left; n++) {
		enum kind k;

		CTX("%s, failing allocation %u", rv->name, n);
		CHECK(n <= 4 * m.nr + 100);
		CHECK_EQ(0, ring_init(&r, 8, 0));
		inject_start(&o, n, false);
		inject_end(&o, io_uring_register_files(&r, fds, rv->nr));
		k = check_outcome(run->mode, &m, n, &o);
		if (k == P_ENOMEM) {
			enomem++;
			check_size(&r, 0);
		} else {
			absorbed += k != P_NONE;
			check_size(&r, rv->nr);
			for (i = 0; i < rv->nr; i++)
				if (slot_file(&r, i) != slot_expect(file[i]))
					die_at(__FILE__, __LINE__,
					       "slot %u: expected %d, got %d",
					       i, slot_expect(file[i]),
					       slot_file(&r, i));
			CHECK_EQ(0, io_uring_unregister_files(&r));
		}
		expect_no_cqe(&r);
		ring_exit(&r);
	}
	CTX("%s", rv->name);
	close(sp[1]);
	CHECK_EQ(0, wait_eof(sp[0], 5000));
	tfiles_destroy(&tf);
	n--;	/* the last attempt, the one without a failure */
	end_points(run->mode, &m, n - o.left, n, enomem, absorbed, true, true);
}

/*
 * Whether the clone takes the files first (take_first): fail the first
 * point of bigs[VMALLOC_BIG]'s clone, 64 slots into a table grown to 1024
 * (8 KiB of pointers).  ENOMEM with both rings unchanged: the taken files
 * (792 B) come first, patch 10; success with a vmalloc'd table: the
 * table's kmalloc does.  Patch 10 comes after patch 8: taking the files
 * first without the node cache is no prefix of the series and fails, as
 * does anything else.  *@arg, shared with the parent, gets 1 or 0.
 */
static void probe_series(void *arg)
{
	const struct big_variant *b = &bigs[VMALLOC_BIG];
	volatile int *result = arg;
	struct io_uring dst;
	struct outcome o;
	struct layout dl;
	struct big g;

	open_fail_nth();
	big_setup(&g, b);
	CTX("%s, failing allocation 1", b->name);
	big_make_dst(&g, &dst, &dl);
	inject(&dst, g.src.ring_fd, IORING_REGISTER_DST_REPLACE, b->src_off,
	       b->dst_off, b->nr, 1, true, &o);
	CHECK_EQ(0, o.left);
	if (o.ret == -ENOMEM) {
		CHECK_EQ(0, o.vtables);
		check_dst(&dst, &dl, &g.tf);
	} else {
		CHECK_EQ(0, o.ret);
		CHECK_EQ(1, o.vtables);
		big_check_dst(&g, &dst);
	}
	big_check_src(&g);
	ring_exit(&dst);
	big_teardown(&g);
	printf("  %s\n", o.ret == -ENOMEM ?
	       "ENOMEM, both rings unchanged: the clone takes the files first "
	       "(the source's lock held only for that): patch 10" :
	       "the table's kmalloc, absorbed by vmalloc: the clone builds "
	       "the table first, with both rings locked: no patch 10");
	if (o.ret == -ENOMEM && !bulk_nodes)
		die_at(__FILE__, __LINE__, "but there is no " NODE_CACHE
		       " slab cache: patch 10 without patch 8?");
	*result = o.ret == -ENOMEM;
}

/* ---- two failures: the table's kmalloc attempt, then one more ---- */

static void set_make_it_fail(int fd, bool on)
{
	CHECK_EQ(1, pwrite(fd, on ? "1" : "0", 1, 0));
}

/*
 * With only the accounted caches flagged, the points after the table's
 * failed kmalloc attempt that failslab sees are the bitmap and the nodes
 * (node batches from patch 8 on); failslab's "space" skips points while
 * it is larger than their object size (and is decreased by it; a bulk
 * allocation is one point of one object's size), so the k-th of them fails
 * with space = the object sizes of the first k - 1, plus 1.
 */
static void run_chain(void *arg)
{
	const struct big_variant *b = &bigs[VMALLOC_BIG];
	const size_t bitmap_obj = 128;	/* 1024 bits: kmalloc-cg-128 */
	const size_t node_obj = bulk_nodes ? NODE_SIZE : NODE_KMALLOC_OBJ;
	unsigned int i, after, table_pt, want[6], targets[6], nr_targets;
	struct model m;
	struct big g;
	int mif;

	(void)arg;
	open_fail_nth();
	mif = open("/proc/thread-self/make-it-fail", O_RDWR | O_CLOEXEC);
	if (mif < 0)
		die_at(__FILE__, __LINE__, "/proc/thread-self/make-it-fail: %s",
		       strerror(errno));
	big_setup(&g, b);
	/* the accounted caches, as in the exact pass */
	big_model(&g, &m, ACCOUNTED);
	CHECK_EQ(b->table / 64 * sizeof(long), bitmap_obj);
	/* the table's point, after the taken files' if there is one */
	table_pt = take_first ? 2 : 1;
	CHECK(m.nr >= table_pt && m.kind[table_pt - 1] == P_VMALLOC);
	/* after the table's point, the model has the bitmap's, the nodes' */
	after = m.nr - table_pt;

	/*
	 * The bitmap, the first, second, middle and last node point, and one
	 * past the model's last point (nothing fails).
	 */
	want[0] = 1;
	want[1] = 2;
	want[2] = 3;
	want[3] = 1 + (after - 1) / 2;
	want[4] = after;
	want[5] = after + 1;
	nr_targets = sort_points(want, ARRAY_SIZE(want), after + 1, targets);

	write_or_die(FAILSLAB "times", "0");
	write_or_die(FAILSLAB "interval", "1");
	write_or_die(FAILSLAB "task-filter", "Y");
	write_or_die(FAILSLAB "probability", "100");
	for (i = 0; i < nr_targets; i++) {
		unsigned int k = targets[i], left;
		size_t space = 1;
		char buf[32];
		struct layout dl;
		struct io_uring dst;
		int before, ret, vt;
		long times;
		bool fires = k <= after;
		char what[64];

		CTX("%s: the table's kmalloc attempt and allocation %u after "
		    "it", b->name, k);
		if (k >= 2)
			space += bitmap_obj + (size_t)(k - 2) * node_obj;
		big_make_dst(&g, &dst, &dl);
		before = vmalloc_tables();
		snprintf(buf, sizeof(buf), "%zu", space);
		write_or_die(FAILSLAB "space", buf);
		/* fail-nth's failure uses up one of the two */
		write_or_die(FAILSLAB "times", "2");
		set_make_it_fail(mif, true);
		set_fail_nth(table_pt);
		ret = clone_files(&dst, g.src.ring_fd,
				  IORING_REGISTER_DST_REPLACE, b->src_off,
				  b->dst_off, b->nr);
		left = get_fail_nth();
		if (left)
			set_fail_nth(0);
		set_make_it_fail(mif, false);
		times = read_long(FAILSLAB "times");
		space = read_long(FAILSLAB "space");
		write_or_die(FAILSLAB "times", "0");
		vt = vmalloc_tables() - before;

		/* fail-nth fired at the table's kmalloc attempt */
		CHECK_EQ(0, left);
		/* the second failure fired iff it targeted an allocation */
		CHECK_EQ(fires ? 0 : 1, times);
		/* the allocations it skipped had the expected sizes */
		CHECK_EQ(1, space);
		if (fires) {
			CHECK_EQ(-ENOMEM, ret);
			/* the vmalloc'd table was freed again */
			CHECK_EQ(0, vt);
			check_dst(&dst, &dl, &g.tf);
		} else {
			CHECK_EQ(0, ret);
			CHECK_EQ(1, vt);
			big_check_dst(&g, &dst);
		}
		big_check_src(&g);
		ring_exit(&dst);
		if (k == 1)
			snprintf(what, sizeof(what), "then the bitmap failed");
		else if (fires)
			snprintf(what, sizeof(what), "then %s %u of %u failed",
				 bulk_nodes ? "node batch" : "node", k - 1,
				 after - 1);
		else
			snprintf(what, sizeof(what), "nothing else failed");
		printf("  table vmalloc'd, %s: %s\n", what,
		       fires ? "ENOMEM, both rings unchanged" :
		       "the clone succeeded, result checked");
	}
	write_or_die(FAILSLAB "probability", "0");
	write_or_die(FAILSLAB "task-filter", "N");
	write_or_die(FAILSLAB "space", "0");
	write_or_die(FAILSLAB "times", "1");
	CTX("%s", b->name);
	big_teardown(&g);
	close(mif);
	free(m.kind);
}

/* ---- main ---- */

/*
 * Flags for the cache filter every kmalloc-* cache whose name starts with
 * @prefix, and NODE_CACHE if there is one, and unflags the other kmalloc-*
 * caches (@prefix NULL: unflags them all).  Returns the number flagged, or
 * -errno: a merged cache cannot be flagged (EINVAL).
 */
static int flag_caches(const char *prefix)
{
	char path[300];
	struct dirent *d;
	int nr = 0, ret = 0;
	DIR *dir;

	dir = opendir("/sys/kernel/slab");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		bool node = !strcmp(d->d_name, NODE_CACHE), on;
		int err;

		if (strncmp(d->d_name, "kmalloc-", 8) && !node)
			continue;
		on = prefix && (node ||
				!strncmp(d->d_name, prefix, strlen(prefix)));
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/failslab",
			 d->d_name);
		err = write_file(path, on ? "1" : "0");
		if (err) {
			printf("%s: %s\n", path, strerror(-err));
			ret = err;
		}
		nr += on;
	}
	closedir(dir);
	if (ret)
		return ret;
	return nr ? nr : -ENOENT;
}

static void failslab_reset(void)
{
	write_file(FAILSLAB "probability", "0");
	write_file(FAILSLAB "task-filter", "N");
	write_file(FAILSLAB "space", "0");
	write_file(FAILSLAB "times", "1");
	write_file(FAILSLAB "cache-filter", "N");
	flag_caches(NULL);
}

/* ---- IORING_REGISTER_CLONE_BUFFERS: the same rule for buffers ---- */

#define NBUFS		4
#define BUF_LEN		4096

static int clone_bufs(struct io_uring *dst, int src_fd, unsigned int flags)
{
	return clone_rsrc(dst, IORING_REGISTER_CLONE_BUFFERS, src_fd, flags,
			  0, 0, 0);
}

/* READ_FIXED of @len bytes of @fd into buffer @idx at @addr: res. */
static int read_fixed(struct io_uring *r, int fd, unsigned int idx, void *addr,
		      unsigned int len)
{
	struct io_uring_sqe *sqe = prep_sqe(r, IORING_OP_READ_FIXED, fd, addr,
					    len, 0);

	CHECK(sqe != NULL);
	sqe->buf_index = idx;
	return wait_res(r, HELPER_USER_DATA);
}

/*
 * @r's buffer table is @nr buffers of @bufs: each reads @fd's first bytes
 * into itself, and the slot after the last is no buffer.
 */
static void check_buffers(struct io_uring *r, char (*bufs)[BUF_LEN],
			  unsigned int nr, int fd, char fill)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		memset(bufs[i], 0, 64);
		CHECK_EQ(64, read_fixed(r, fd, i, bufs[i], 64));
		CHECK(bufs[i][0] == fill && bufs[i][63] == fill);
	}
	CHECK_EQ(-EFAULT, read_fixed(r, fd, nr, bufs[0], 64));
}

/*
 * Fail each allocation of a CLONE_BUFFERS of NBUFS buffers in turn, into
 * an empty ring and as a DST_REPLACE of a ring with two buffers of its
 * own: -ENOMEM, the destination's table as it was (none, or its own two
 * buffers), the source's untouched; until the clone succeeds. The points,
 * from io_clone_buffers(): the table's kvmalloc, one node per buffer.
 */
static void run_buffers(void *arg)
{
	static char bufs[NBUFS][BUF_LEN] __attribute__((aligned(4096)));
	static char own[2][BUF_LEN] __attribute__((aligned(4096)));
	struct iovec iov[NBUFS];
	unsigned int i, n, pass, enomem;
	struct io_uring src, dst;
	char path[] = "/tmp/fault-inject-buf.XXXXXX";
	char data[64];
	int fd, ret, left;

	(void)arg;
	open_fail_nth();
	fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	memset(data, 'b', sizeof(data));
	CHECK_EQ(64, pwrite(fd, data, sizeof(data), 0));
	CHECK_EQ(0, ring_init(&src, 8, 0));
	for (i = 0; i < NBUFS; i++)
		iov[i] = (struct iovec){ bufs[i], BUF_LEN };
	CHECK_EQ(0, ring_register(&src, IORING_REGISTER_BUFFERS, iov, NBUFS));

	for (pass = 0; pass < 2; pass++) {
		CTX("CLONE_BUFFERS %s", pass ? "DST_REPLACE" : "into an empty ring");
		enomem = 0;
		for (n = 1, left = 0; !left; n++) {
			CHECK(n < 100);
			CHECK_EQ(0, ring_init(&dst, 8, 0));
			if (pass) {
				iov[0] = (struct iovec){ own[0], BUF_LEN };
				iov[1] = (struct iovec){ own[1], BUF_LEN };
				CHECK_EQ(0, ring_register(&dst,
					IORING_REGISTER_BUFFERS, iov, 2));
			}
			set_fail_nth(n);
			ret = clone_bufs(&dst, src.ring_fd,
				pass ? IORING_REGISTER_DST_REPLACE : 0);
			left = get_fail_nth();
			if (left)
				set_fail_nth(0);
			if (!left) {
				CHECK_EQ(-ENOMEM, ret);
				enomem++;
				if (pass)
					check_buffers(&dst, own, 2, fd, 'b');
				else
					CHECK_EQ(-EFAULT, read_fixed(&dst, fd,
						0, bufs[0], 64));
			} else {
				CHECK_EQ(0, ret);
				check_buffers(&dst, bufs, NBUFS, fd, 'b');
			}
			check_buffers(&src, bufs, NBUFS, fd, 'b');
			ring_exit(&dst);
		}
		/* the table and a node per buffer */
		CHECK_EQ(1 + NBUFS, enomem);
		printf("  %s: %u points, each ENOMEM with both rings as "
		       "before\n", pass ? "DST_REPLACE of 2 buffers" :
		       "into an empty ring", enomem);
	}
	ring_exit(&src);
	close(fd);
}

/* The closing line; a skipped subtest counts as a failed one. */
static int finish(void)
{
	failslab_reset();
	if (tally.skipped) {
		printf("%d skipped: counted as failed\n", tally.skipped);
		tally.failed += tally.skipped;
		tally.skipped = 0;
	}
	return summary();
}

static void run_pass(enum mode mode)
{
	char name[200];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		struct run run = { .v = &variants[i], .mode = mode };

		snprintf(name, sizeof(name), "fault-inject, %s: %s",
			 mode_name[mode], variants[i].name);
		run_test(name, run_variant, &run, 600);
	}
	for (i = 0; i < ARRAY_SIZE(bigs); i++) {
		struct run run = { .b = &bigs[i], .mode = mode };

		snprintf(name, sizeof(name), "fault-inject, %s: %s",
			 mode_name[mode], bigs[i].name);
		run_test(name, run_big, &run, 600);
	}
	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		struct run run = { .r = &regs[i], .mode = mode };

		snprintf(name, sizeof(name), "fault-inject, %s: %s",
			 mode_name[mode], regs[i].name);
		run_test(name, run_register, &run, 600);
	}
}

#define PASS_TESTS	(ARRAY_SIZE(variants) + ARRAY_SIZE(bigs) + \
			 ARRAY_SIZE(regs))

int main(int argc, char **argv)
{
	struct io_uring r;
	int *probe, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--skew")) {
		skew = atoi(argv[2]);
		printf("--skew %d: every model is %d points off: subtests must "
		       "fail (all those with a model if it is odd)\n", skew,
		       skew);
	} else if (argc != 1) {
		printf("usage: fault-inject [--skew N]\n");
		return 2;
	}
	/* stress_init() would count this as a skip */
	ret = ring_init(&r, 1, 0);
	if (ret) {
		printf("io_uring unavailable: %s: counted as a failure\n",
		       strerror(-ret));
		tally.failed++;
		return summary();
	}
	ring_exit(&r);

	kmemleak_on = !access("/sys/kernel/debug/kmemleak", F_OK);
	printf("kmemleak %s\n", kmemleak_on ?
	       "enabled: one more point per object in the any-cache pass" :
	       "not enabled");
	if (write_file(FAILSLAB "ignore-gfp-wait", "N") ||
	    write_file(FAILSLAB "verbose", "0")) {
		printf("failslab is not available in debugfs: counted as a "
		       "failure\n");
		tally.failed++;
		return summary();
	}
	failslab_reset();
	bulk_nodes = !access("/sys/kernel/slab/" NODE_CACHE, F_OK);

	ret = flag_caches("kmalloc-cg-");
	if (ret < 0 || write_file(FAILSLAB "cache-filter", "Y")) {
		printf("cannot restrict failslab to the accounted caches (%s): "
		       "%zu subtests counted as failed\n",
		       strerror(ret < 0 ? -ret : errno), PASS_TESTS + 3);
		tally.failed += PASS_TESTS + 3;
	} else {
		printf("failslab restricted to %d accounted caches: the "
		       "kmalloc-cg caches%s\n", ret,
		       bulk_nodes ? " and " NODE_CACHE : "");
		probe = mmap(NULL, sizeof(*probe), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		CHECK(probe != MAP_FAILED);
		*probe = -1;
		run_test("fault-inject, accounted caches: the clone's first "
			 "allocation tells the kernel", probe_series, probe,
			 120);
		take_first = *probe == 1;
		run_pass(ACCOUNTED);
		run_test("fault-inject, accounted caches: CLONE_BUFFERS, "
			 "every allocation", run_buffers, NULL, 600);
		run_test("fault-inject, accounted caches, two failures: "
			 "the 1024-slot table's kmalloc attempt, then the "
			 "bitmap or a node", run_chain, NULL, 600);
	}
	failslab_reset();
	run_pass(ANY_CACHE);
	return finish();
}
