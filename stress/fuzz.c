// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded random-argument fuzzer for IORING_REGISTER_CLONE_FILES.
 *
 * Every call gets a random source (ring fd, registered ring index valid,
 * empty or out of range, a non-io_uring fd, a closed fd, -1, a huge fd, a
 * SINGLE_ISSUER and a plain ring of another process fetched with
 * pidfd_getfd(), a SINGLE_ISSUER ring whose submitter is another thread of
 * this process, a disabled SINGLE_ISSUER ring that has no submitter yet,
 * restricted rings: SQE restrictions only, SQE restrictions without
 * IOSQE_FIXED_FILE, register restrictions only (allowing nothing but
 * CLONE_FILES: no SQE restriction, so any ring may clone it), wider
 * restrictions than the restricted destination's),
 * random flags (biased to the valid bits), offsets and count biased to the
 * edges, pad (mostly zero), nr_args (mostly 1) and arg (valid, NULL,
 * unmapped, crossing into an unmapped page).  The destination is one of
 * three rings (plain, DEFER_TASKRUN, restricted to fixed reads and the
 * file registration opcodes), by fd or registered index, and is often its
 * own source (a self clone); their file tables are re-rolled every K
 * calls (none, sparse, full, tagged), and for a quarter of those periods
 * RLIMIT_NOFILE is lowered to a small value, often below the tables' sizes.
 *
 * Tables also hold a pipe's write end; at the end, with every ring closed,
 * its read end must see EOF.
 *
 * A model of the tables, of each ring's submitter and of each ring's
 * restrictions gives the one errno each call must return (0 may also be
 * ENOMEM).  Where a call makes several mistakes, the model follows the
 * order of the checks in the kernel, the same as for CLONE_BUFFERS
 * (io_uring_register(), io_register_clone(), io_clone_files(),
 * io_clone_range()), see expected().
 * On success the model applies the clone (a self clone reads the table as
 * it was before the call, like memmove()), and the tag CQEs of replaced
 * slots, the table size and sampled slots are checked against it; after a
 * self clone the whole table is.  On an error no CQE may be posted.  The
 * tables are verified in full before each re-roll, and unregistering them
 * must post exactly the tags the model has.
 *
 * It stops after CALLS calls or SECONDS seconds, whichever comes first
 * (-t 0: no time cap, e.g. for a run of a million calls), and prints the
 * calls per second and the errno mix: how often each result came back.
 *
 * usage: fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-k REROLL_EVERY]
 */

#include "stress.h"
#include <sys/mman.h>

#define NFILES		16
#define FUZZ_NOFILE	(1U << 16)	/* RLIMIT_NOFILE soft limit */
#define CLOSED_FD	1000		/* kept closed */

enum {
	R0,		/* plain: destination and source */
	R1,		/* SINGLE_ISSUER | DEFER_TASKRUN: destination and source */
	R2,		/* restricted: destination and source */
	NDST,
	FOREIGN_SI = NDST,	/* SINGLE_ISSUER ring of another process */
	FOREIGN_PLAIN,	/* plain ring of another process: allowed */
	THREAD_SI,	/* SINGLE_ISSUER, submitter another thread (exited) */
	DISABLED_SI,	/* SINGLE_ISSUER | R_DISABLED: no submitter yet */
	RESTRICTED,	/* SQE restrictions only, like R2's */
	RESTRICTED_NOFIX,	/* SQE restrictions without IOSQE_FIXED_FILE */
	RESTRICTED_REG,	/* register restrictions only: CLONE_FILES */
	RESTRICTED_WIDE,	/* restricted, but less than R2 */
	NRINGS
};

/* What IORING_REGISTER_RESTRICTIONS left on a ring, as the kernel has it. */
struct rmodel {
	bool sqe, reg;		/* SQE / register restrictions there */
	__u64 sqe_ops;		/* allowed SQE opcodes (all below 64 here) */
	__u8 allowed, required;	/* SQE flags */
};

struct fring {
	const char *name;
	int fd;
	struct io_uring *ring;	/* ours: destinations R0, R1, R2, or NULL */
	bool submitter_elsewhere;	/* SINGLE_ISSUER, not our task's */
	struct rmodel res;
	int reg_idx;		/* registered ring index of this task, or -1 */
	struct table t;
};

static struct fring rings[NRINGS];
static struct io_uring r0, r1, r2, thread_si, disabled_si;
static struct tfiles tf;
static struct arg_area area;	/* arguments that cannot be read */

static rlim_t cur_nofile = FUZZ_NOFILE;	/* the soft limit in force */

static __u64 seed = 0xc10e5eedULL;
static unsigned long max_calls = 100000;
static double time_cap = 120.0;	/* INFINITY: none */
static unsigned int reroll_every = 50;

/* Registers a random table on @fr's ring: none, sparse, full or tagged. */
static const char *table_roll(struct fring *fr, unsigned int state)
{
	return table_register(fr->ring, &fr->t, &tf, NFILES, state,
			      0x7a60000ULL | ((__u64)(fr - rings) << 12));
}

/*
 * The ring's table is what the model says: size, every occupied slot and
 * (for big tables a sample of) the empty ones; no CQE pending.
 */
static void table_verify(struct fring *fr)
{
	table_check(fr->name, fr->ring, &fr->t);
}

/* Unregistering posts exactly the tags of the model. */
static void table_drop(struct fring *fr)
{
	table_unregister(fr->ring, &fr->t);
}

/* ---- the other process's rings ---- */

static struct owner_child foreign;

/* Child: a SINGLE_ISSUER and a plain ring with tables; lives until EOF. */
static int foreign_child(void *arg, int report, int sync)
{
	struct io_uring si, plain;
	int fds[8], i, ret = 0;
	char c;

	for (i = 0; i < 8; i++)
		fds[i] = tf.fd[i];
	if (ring_init(&si, 4, IORING_SETUP_SINGLE_ISSUER) ||
	    ring_init(&plain, 4, 0) ||
	    io_uring_register_files(&si, fds, 8) ||
	    io_uring_register_files(&plain, fds + 3, 5))
		return 1;
	fds[0] = si.ring_fd;
	fds[1] = plain.ring_fd;
	if (write(report, fds, 2 * sizeof(int)) != 2 * sizeof(int))
		return 2;
	if (read(sync, &c, 1) != 0)
		return 3;
	/* still intact after all the clones */
	for (i = 0; i < 8; i++)
		ret |= slot_file(&si, i) != i;
	for (i = 0; i < 5; i++)
		ret |= slot_file(&plain, i) != i + 3;
	return ret ? 4 : 0;
}

static void setup_foreign(void)
{
	int fds[2], i;

	owner_fork(&foreign, foreign_child, NULL, fds, 2);
	rings[FOREIGN_SI].fd = fds[0];
	rings[FOREIGN_PLAIN].fd = fds[1];
	CHECK(rings[FOREIGN_SI].fd >= 0 && rings[FOREIGN_PLAIN].fd >= 0);
	table_grow(&rings[FOREIGN_SI].t, 8);
	table_grow(&rings[FOREIGN_PLAIN].t, 5);
	for (i = 0; i < 8; i++)
		rings[FOREIGN_SI].t.file[i] = i;
	for (i = 0; i < 5; i++)
		rings[FOREIGN_PLAIN].t.file[i] = i + 3;
}

/* ---- restrictions ---- */

/* R2's are stress.h's fixed_read_res */
static const struct io_uring_restriction sqe_only[] = {
	SQE_OP(IORING_OP_READ), SQE_FLAGS(IOSQE_FIXED_FILE),
};
static const struct io_uring_restriction no_fixed[] = {
	SQE_OP(IORING_OP_READ),
};
static const struct io_uring_restriction clone_only[] = {
	REG_OP(IORING_REGISTER_CLONE_FILES),
};
static const struct io_uring_restriction wide[] = {
	SQE_OP(IORING_OP_READ), SQE_OP(IORING_OP_WRITE),
	SQE_FLAGS(IOSQE_FIXED_FILE | IOSQE_ASYNC),
	REG_OP(IORING_REGISTER_FILES2), REG_OP(IORING_REGISTER_FILES_UPDATE2),
	REG_OP(IORING_UNREGISTER_FILES), REG_OP(IORING_REGISTER_CLONE_FILES),
	REG_OP(IORING_REGISTER_FILE_ALLOC_RANGE),
};

/* The model of @nr restrictions, parsed like io_parse_restrictions(). */
static struct rmodel rmodel_of(const struct io_uring_restriction *res, int nr)
{
	struct rmodel m = { 0 };
	int i;

	for (i = 0; i < nr; i++) {
		switch (res[i].opcode) {
		case IORING_RESTRICTION_REGISTER_OP:
			m.reg = true;
			break;
		case IORING_RESTRICTION_SQE_OP:
			CHECK(res[i].sqe_op < 64);
			m.sqe_ops |= 1ULL << res[i].sqe_op;
			m.sqe = true;
			break;
		case IORING_RESTRICTION_SQE_FLAGS_ALLOWED:
			m.allowed = res[i].sqe_flags;
			m.sqe = true;
			break;
		case IORING_RESTRICTION_SQE_FLAGS_REQUIRED:
			m.required = res[i].sqe_flags;
			m.sqe = true;
			break;
		}
	}
	if (!nr)
		m.sqe = m.reg = true;
	return m;
}

/*
 * May @src be cloned into @dst?  A source with SQE restrictions only into
 * a destination at least as restricted: every SQE opcode and flag it
 * allows (allowed or required) the source allows, and it requires what
 * the source requires.  Register restrictions play no part (no ring here
 * has BPF filters).
 */
static bool rmodel_covers(const struct rmodel *dst, const struct rmodel *src)
{
	__u8 allowed_d = dst->allowed | dst->required;
	__u8 allowed_s = src->allowed | src->required;

	return !src->sqe ||
	       (dst->sqe && !(dst->sqe_ops & ~src->sqe_ops) &&
		!(allowed_d & ~allowed_s) && !(src->required & ~dst->required));
}

/*
 * A source ring with the table @files (test file indexes or EMPTY),
 * restricted by @res and enabled unless @setup_flags has R_DISABLED; its
 * fd is kept in @fr, the struct io_uring in @r or, if NULL, dropped.
 */
static void source_ring(struct fring *fr, struct io_uring *r,
			unsigned int setup_flags,
			const struct io_uring_restriction *res, int nr_res,
			const int *files, unsigned int nr)
{
	struct io_uring tmp;
	int fds[16];
	unsigned int i;

	if (!r)
		r = &tmp;
	CHECK(nr <= ARRAY_SIZE(fds));
	CHECK_EQ(0, ring_init(r, 4, setup_flags | IORING_SETUP_R_DISABLED));
	for (i = 0; i < nr; i++)
		fds[i] = files[i] == EMPTY ? -1 : tf.fd[files[i]];
	CHECK_EQ(0, io_uring_register_files(r, fds, nr));
	if (res)
		CHECK_EQ(0, ring_register(r, IORING_REGISTER_RESTRICTIONS, res,
					  nr_res));
	if (!(setup_flags & IORING_SETUP_R_DISABLED))
		CHECK_EQ(0, ring_register(r, IORING_REGISTER_ENABLE_RINGS,
					  NULL, 0));
	table_grow(&fr->t, nr);
	memcpy(fr->t.file, files, nr * sizeof(*files));
	if (res)
		fr->res = rmodel_of(res, nr_res);
	if (r == &tmp) {
		fr->fd = dup(tmp.ring_fd);
		CHECK(fr->fd >= 0);
		ring_exit(&tmp);
	} else {
		fr->fd = r->ring_fd;
		fr->ring = r;	/* only closed at the end */
	}
}

/* A thread becomes the submitter of a SINGLE_ISSUER ring, and exits. */
static void *thread_si_fn(void *arg)
{
	static const int files[] = { 1, EMPTY, 3, 5, 7 };

	source_ring(&rings[THREAD_SI], &thread_si, IORING_SETUP_SINGLE_ISSUER,
		    NULL, 0, files, ARRAY_SIZE(files));
	return arg;
}

static void setup_rings(void)
{
	static const int x_files[] = { 9, 10, 11, 12, 13, 14 };
	static const int y_files[] = { 15, EMPTY, 14, EMPTY, 13, 12, 11 };
	static const int z_files[] = { 2, 4, EMPTY, 6 };
	unsigned int i;

	CHECK_EQ(0, ring_init(&r0, 64, 0));	/* room for 64 tag CQEs */
	CHECK_EQ(0, ring_init(&r1, 64, IORING_SETUP_SINGLE_ISSUER |
				       IORING_SETUP_DEFER_TASKRUN));
	/* restricted like a ring handed to less trusted code */
	CHECK_EQ(0, ring_init(&r2, 64, IORING_SETUP_R_DISABLED));
	CHECK_EQ(0, ring_register(&r2, IORING_REGISTER_RESTRICTIONS,
				  fixed_read_res, ARRAY_SIZE(fixed_read_res)));
	CHECK_EQ(0, ring_register(&r2, IORING_REGISTER_ENABLE_RINGS, NULL, 0));
	rings[R0] = (struct fring){ .name = "plain ring", .fd = r0.ring_fd,
				    .ring = &r0 };
	rings[R1] = (struct fring){ .name = "DEFER_TASKRUN ring",
				    .fd = r1.ring_fd, .ring = &r1 };
	rings[R2] = (struct fring){ .name = "restricted ring",
				    .fd = r2.ring_fd, .ring = &r2 };
	rings[R2].res = rmodel_of(fixed_read_res, ARRAY_SIZE(fixed_read_res));
	rings[FOREIGN_SI] = (struct fring){
		.name = "SINGLE_ISSUER ring of another process",
		.submitter_elsewhere = true };
	rings[FOREIGN_PLAIN] = (struct fring){
		.name = "plain ring of another process" };
	rings[THREAD_SI] = (struct fring){
		.name = "SINGLE_ISSUER ring of another thread",
		.submitter_elsewhere = true };
	rings[DISABLED_SI] = (struct fring){
		.name = "disabled SINGLE_ISSUER ring" };
	rings[RESTRICTED] = (struct fring){
		.name = "ring with SQE restrictions" };
	rings[RESTRICTED_NOFIX] = (struct fring){
		.name = "ring with SQE restrictions, no IOSQE_FIXED_FILE" };
	rings[RESTRICTED_REG] = (struct fring){
		.name = "ring with register restrictions only" };
	rings[RESTRICTED_WIDE] = (struct fring){
		.name = "ring restricted less than the restricted ring" };
	setup_foreign();

	CHECK_EQ(0, run_thread(thread_si_fn, NULL));
	source_ring(&rings[DISABLED_SI], &disabled_si,
		    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		    IORING_SETUP_R_DISABLED, NULL, 0, z_files,
		    ARRAY_SIZE(z_files));
	source_ring(&rings[RESTRICTED], NULL, 0, sqe_only,
		    ARRAY_SIZE(sqe_only), x_files, ARRAY_SIZE(x_files));
	source_ring(&rings[RESTRICTED_NOFIX], NULL, 0, no_fixed,
		    ARRAY_SIZE(no_fixed), z_files, ARRAY_SIZE(z_files));
	source_ring(&rings[RESTRICTED_REG], NULL, 0, clone_only,
		    ARRAY_SIZE(clone_only), y_files, ARRAY_SIZE(y_files));
	source_ring(&rings[RESTRICTED_WIDE], NULL, 0, wide, ARRAY_SIZE(wide),
		    y_files, ARRAY_SIZE(y_files));

	/* every ring gets a registered index of this task */
	for (i = 0; i < NRINGS; i++) {
		struct io_uring_rsrc_update up = { .offset = -1U,
						   .data = rings[i].fd };

		CHECK_EQ(1, ring_register(&r0, IORING_REGISTER_RING_FDS, &up, 1));
		rings[i].reg_idx = up.offset;
	}
}

/* ---- one call ---- */

struct call {
	int dst;			/* R0, R1 or R2 */
	bool dst_registered;
	const char *src_kind;
	int src;			/* rings[] index, or -1 */
	struct io_uring_clone_buffers cf;
	unsigned int nr_args;
	enum arg_kind arg;
};

static void pick_src(struct call *c)
{
	unsigned int k;

	c->src = -1;
	if (c->cf.flags & IORING_REGISTER_SRC_REGISTERED) {
		k = rnd(10);
		if (k < 7) {
			c->src = rnd(NRINGS);
			c->src_kind = "registered index";
			c->cf.src_fd = rings[c->src].reg_idx;
		} else if (k < 8) {
			c->src_kind = "empty registered index";
			c->cf.src_fd = NRINGS + rnd(RINGFD_REG_MAX - NRINGS);
		} else {
			c->src_kind = "registered index out of range";
			c->cf.src_fd = rnd(2) ? RINGFD_REG_MAX + rnd(4) :
				       (__u32)rnd64() | 0x100;
		}
		return;
	}
	k = rnd(16);
	if (k < 10) {
		c->src = k < 5 ? (int)rnd(NDST) : (int)rnd(NRINGS);
		c->src_kind = "ring fd";
		c->cf.src_fd = rings[c->src].fd;
	} else if (k < 12) {
		c->src_kind = "not an io_uring fd";
		c->cf.src_fd = tf.fd[rnd(NFILES)];
	} else if (k < 13) {
		c->src_kind = "closed fd";
		c->cf.src_fd = CLOSED_FD;
	} else if (k < 14) {
		c->src_kind = "fd -1";
		c->cf.src_fd = -1;
	} else {
		c->src_kind = "fd beyond RLIMIT_NOFILE";
		c->cf.src_fd = FUZZ_NOFILE + rnd(1U << 30);
	}
}

static void roll_call(struct call *c)
{
	bool plausible;

	memset(c, 0, sizeof(*c));
	c->dst = rnd(NDST);
	c->dst_registered = !rnd(5);
	c->cf.flags = edge_flags();
	pick_src(c);
	/* a plausible range a third of the time, for a ring source */
	plausible = c->src >= 0 && !rnd(3);
	edge_range(&c->cf, plausible, c->src >= 0 ? rings[c->src].t.nr : 8,
		   rings[c->dst].t.nr, FUZZ_NOFILE, cur_nofile);
	edge_tail(&c->cf, &c->nr_args, &c->arg);
}

/*
 * The errno (as -errno, or 0) of a call, from the kernel's checks in the
 * order the kernel makes them, the same as for CLONE_BUFFERS:
 *   io_uring_register():        dst submitter, dst register  (never here:
 *                                 restrictions              we are the
 *                                                           submitter, R2
 *                                                           allows it)
 *                               nr_args != 1 or arg NULL   EINVAL
 *   io_register_clone():        copy_from_user             EFAULT
 *                               unknown flags              EINVAL
 *                               dst table, no DST_REPLACE  EBUSY (before
 *                                                            the source)
 *                               pad                        EINVAL
 *    (io_uring_ctx_get_file)    registered index >= 16     EINVAL
 *                               no file / empty index      EBADF
 *                               not an io_uring            EOPNOTSUPP
 *   only if src != dst, both    dst rechecked              EEXIST / EACCES
 *     locked:                                                (never here)
 *                               src submitter not us       EEXIST
 *                               dst less restricted        EACCES
 *   io_clone_files(), in        nr 0 with offsets          EINVAL
 *     io_clone_range():         table, no DST_REPLACE      EBUSY (again:
 *                                                            never here)
 *                               no src table               ENXIO
 *                               nr > src table             EINVAL
 *                               src range                  EOVERFLOW
 *                               dst range overflows u32    EOVERFLOW
 *   io_clone_files():           table grows past a limit   EMFILE
 * A self clone (src == dst) reads its own table as the source.
 */
static int expected(const struct call *c, const char **why)
{
	const struct io_uring_clone_buffers *cf = &c->cf;
	const struct table *dt = &rings[c->dst].t, *st;
	__u32 n, end;
	__u64 new_nr;

#define RET(e, w) do { *why = (w); return (e); } while (0)
	if (c->arg == ARG_NULL || c->nr_args != 1)
		RET(-EINVAL, "nr_args != 1 or arg NULL");
	if (c->arg != ARG_VALID)
		RET(-EFAULT, "arg not readable");
	if (cf->flags & ~(IORING_REGISTER_SRC_REGISTERED |
			  IORING_REGISTER_DST_REPLACE))
		RET(-EINVAL, "unknown flags");
	if (dt->nr && !(cf->flags & IORING_REGISTER_DST_REPLACE))
		RET(-EBUSY, "dst has a table, no DST_REPLACE");
	if (cf->pad[0] || cf->pad[1] || cf->pad[2])
		RET(-EINVAL, "pad not zero");
	if (c->src < 0) {
		if (!strcmp(c->src_kind, "registered index out of range"))
			RET(-EINVAL, "registered index >= 16");
		if (!strcmp(c->src_kind, "not an io_uring fd"))
			RET(-EOPNOTSUPP, "src not an io_uring");
		RET(-EBADF, "src not open");
	}
	if (c->src != c->dst) {
		if (rings[c->src].submitter_elsewhere)
			RET(-EEXIST, "SINGLE_ISSUER src, submitter not us");
		if (!rmodel_covers(&rings[c->dst].res, &rings[c->src].res))
			RET(-EACCES, "dst less restricted than src");
	}
	if (!cf->nr && (cf->src_off || cf->dst_off))
		RET(-EINVAL, "nr 0 with offsets");
	st = &rings[c->src].t;
	if (!st->nr)
		RET(-ENXIO, "src has no table");
	n = cf->nr ? cf->nr : st->nr;
	if (n > st->nr)
		RET(-EINVAL, "nr > src table");
	if (__builtin_add_overflow(n, cf->src_off, &end) || end > st->nr)
		RET(-EOVERFLOW, "src range past src table");
	if (__builtin_add_overflow(n, cf->dst_off, &end))
		RET(-EOVERFLOW, "dst range overflows");
	new_nr = end > dt->nr ? end : dt->nr;
	if (new_nr > dt->nr && (new_nr > MAX_FIXED_FILES || new_nr > cur_nofile))
		RET(-EMFILE, "table grows past the limits");
	RET(0, new_nr > cur_nofile ? "valid, not growing a table over "
		"RLIMIT_NOFILE" : "valid");
#undef RET
}

static int do_call(const struct call *c, struct io_uring_clone_buffers *buf)
{
	unsigned int op = IORING_REGISTER_CLONE_FILES;
	int fd = rings[c->dst].fd, ret;
	void *arg;

	if (c->dst_registered) {
		fd = rings[c->dst].reg_idx;
		op |= IORING_REGISTER_USE_REGISTERED_RING;
	}
	*buf = c->cf;
	arg = arg_ptr(&area, c->arg, buf);
	ret = syscall(__NR_io_uring_register, fd, op, arg, c->nr_args);
	return ret < 0 ? -errno : ret;
}

/*
 * Applies a successful clone to the model and checks what it posted.  The
 * source range is read before the destination changes: a self clone copies
 * like memmove().  After a self clone the whole table is verified.
 */
static void apply_clone(const struct call *c)
{
	struct table *dt = &rings[c->dst].t, *st = &rings[c->src].t;
	unsigned int n = c->cf.nr ? c->cf.nr : st->nr, i;
	__u64 tags[64];
	int nr_tags;

	nr_tags = table_apply_clone(dt, st, c->cf.src_off, c->cf.dst_off, n,
				    tags);
	expect_tags(rings[c->dst].ring, tags, nr_tags);
	check_size(rings[c->dst].ring, dt->nr);
	if (c->src == c->dst) {
		table_verify(&rings[c->dst]);
		return;
	}
	/* two sampled slots of the cloned range */
	for (i = 0; i < 2; i++) {
		unsigned int d = c->cf.dst_off + rnd(n);

		CHECK_EQ(slot_expect(dt->file[d]),
			 slot_file(rings[c->dst].ring, d));
	}
}

static void print_call(unsigned long i, const struct call *c, int ret,
		       int want, const char *why)
{
	static const char *const args[] = { "valid", "NULL", "unmapped",
					    "crossing into unmapped" };

	printf("  call %lu (seed 0x%llx): dst %s%s, src %s (%s), src_fd %u, "
	       "flags 0x%x, src_off %u, dst_off %u, nr %u, pad %u/%u/%u, "
	       "nr_args %u, arg %s; src table %u, dst table %u, "
	       "RLIMIT_NOFILE %llu: returned %d (%s), expected %d (%s: %s)\n",
	       i, (unsigned long long)seed, rings[c->dst].name,
	       c->dst_registered ? " by registered index" : "", c->src_kind,
	       c->src >= 0 ? rings[c->src].name : "-", c->cf.src_fd,
	       c->cf.flags, c->cf.src_off, c->cf.dst_off, c->cf.nr,
	       c->cf.pad[0], c->cf.pad[1], c->cf.pad[2], c->nr_args,
	       args[c->arg], c->src >= 0 ? rings[c->src].t.nr : 0,
	       rings[c->dst].t.nr, (unsigned long long)cur_nofile, ret,
	       ret ? strerror(-ret) : "success",
	       want, want ? strerror(-want) : "success", why);
}

static void fuzz(void *arg)
{
	struct errno_mix mix = { { 0 } }, self_mix = { { 0 } };
	unsigned long i, rerolls = 0;
	unsigned long low_calls = 0, low_ok_over = 0, low_emfile = 0;
	unsigned long res_ok = 0, res_eacces = 0, si_ok = 0;
	struct io_uring_clone_buffers *buf;
	double t0, secs;
	unsigned int k;
	int ret, sp[2];

	(void)arg;
	rng_state = seed ? seed : 1;
	fuzz_files(&tf, NFILES, sp, FUZZ_NOFILE, CLOSED_FD);
	arg_area_init(&area);
	buf = malloc(sizeof(*buf));
	CHECK(buf != NULL);
	setup_rings();

	t0 = now_s();
	for (i = 0; i < max_calls && now_s() - t0 < time_cap; i++) {
		struct call c;
		const char *why;
		int want;

		if (i % reroll_every == 0) {
			/* registration itself is limited by RLIMIT_NOFILE */
			cur_nofile = FUZZ_NOFILE;
			CHECK_EQ(0, set_nofile(cur_nofile, FUZZ_NOFILE));
			for (k = R0; k < NDST; k++) {
				CTX("re-roll %lu, verifying %s", rerolls,
				    rings[k].name);
				if (rings[k].t.nr) {
					table_verify(&rings[k]);
					table_drop(&rings[k]);
				}
				table_roll(&rings[k], rnd(4));
			}
			rerolls++;
			if (!rnd(4)) {
				/* often below the tables' sizes */
				cur_nofile = 1 + rnd(80);
				CHECK_EQ(0, set_nofile(cur_nofile,
						       FUZZ_NOFILE));
			}
		}
		roll_call(&c);
		want = expected(&c, &why);
		ret = do_call(&c, buf);
		if (ret != want && !(want == 0 && ret == -ENOMEM)) {
			print_call(i, &c, ret, want, why);
			die_at(__FILE__, __LINE__, "unexpected return value");
		}
		/* only documented results get here (expected() has no other) */
		k = result_index(ret);
		mix.n[k]++;
		self_mix.n[k] += c.src == c.dst;
		if (c.src >= 0 && c.src != c.dst) {
			const struct rmodel *m = &rings[c.src].res;

			res_ok += !ret && (m->sqe || m->reg);
			res_eacces += ret == -EACCES;
			si_ok += !ret && (c.src == R1 || c.src == DISABLED_SI);
		}
		if (cur_nofile < FUZZ_NOFILE) {
			low_calls++;
			low_ok_over += !ret && rings[c.dst].t.nr > cur_nofile;
			low_emfile += ret == -EMFILE;
		}
		CTX("call %lu (seed 0x%llx)", i, (unsigned long long)seed);
		if (!ret) {
			apply_clone(&c);
		} else {
			expect_no_cqe(rings[c.dst].ring);
			if (c.src >= 0 && c.src < NDST)
				expect_no_cqe(rings[c.src].ring);
		}
	}
	secs = now_s() - t0;
	cur_nofile = FUZZ_NOFILE;
	CHECK_EQ(0, set_nofile(cur_nofile, FUZZ_NOFILE));
	for (k = R0; k < NDST; k++) {
		CTX("final check of %s", rings[k].name);
		table_verify(&rings[k]);
		table_drop(&rings[k]);
	}
	for (k = 0; k < NRINGS; k++)
		if (rings[k].ring)
			ring_exit(rings[k].ring);
		else
			close(rings[k].fd);
	CHECK_EQ(0, owner_release(&foreign));
	/* the sentinel's references were all dropped with the tables */
	close(sp[1]);
	CHECK_EQ(0, wait_eof(sp[0], 5000));
	tfiles_destroy(&tf);

	printf("  seed 0x%llx: %lu calls in %.1f s, %.0f calls/s (limit %lu "
	       "calls or %.0f s), tables re-rolled %lu times\n",
	       (unsigned long long)seed, i, secs, secs > 0 ? i / secs : 0.0,
	       max_calls, time_cap, rerolls);
	printf("  %lu calls under a lowered RLIMIT_NOFILE: %lu EMFILE, %lu "
	       "successes left a table larger than the limit\n", low_calls,
	       low_emfile, low_ok_over);
	printf("  from other rings: %lu successes from a restricted source "
	       "(by register restrictions alone, or into a ring at least as "
	       "restricted), %lu EACCES; %lu successes from our own or a "
	       "disabled SINGLE_ISSUER ring\n",
	       res_ok, res_eacces, si_ok);
	mix_print("errno mix", &mix);
	mix_print("errno mix of the self clones", &self_mix);
}

int main(int argc, char **argv)
{
	int opt, ret;

	while ((opt = getopt(argc, argv, "s:n:t:k:")) != -1) {
		ret = fuzz_option(opt, optarg, &seed, &max_calls, &time_cap);
		if (ret > 0)
			continue;
		if (!ret && opt == 'k') {
			reroll_every = strtoul(optarg, NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] "
				"[-t SECONDS, 0: no cap] [-k REROLL_EVERY]\n",
				argv[0]);
			return 2;
		}
	}
	if (!reroll_every)
		reroll_every = 1;
	stress_init();
	printf("fuzz: seed 0x%llx, at most %lu calls or %.0f s, tables "
	       "re-rolled every %u calls\n", (unsigned long long)seed,
	       max_calls, time_cap, reroll_every);
	run_test("fuzz: random IORING_REGISTER_CLONE_FILES arguments", fuzz,
		 NULL, cap_timeout(time_cap, 300));
	return summary();
}
