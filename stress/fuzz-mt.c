// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent fuzzer for IORING_REGISTER_CLONE_FILES: fuzz threads clone
 * with random arguments among a set of shared rings while other threads
 * update, unregister and re-register the shared rings' tables and close
 * shared rings and replace them with new ones.
 *
 * The rings:
 *  - NSHARED shared rings: one SINGLE_ISSUER | DEFER_TASKRUN (its
 *    submitter is the churner), one restricted (stress.h's
 *    fixed_read_res), four plain.  Their fd numbers are published in
 *    shared[]; by the time a thread uses a number it read, the ring may
 *    have been closed and the number be free, another shared ring's or
 *    for a moment a file the C library opens (malloc reads /proc and /sys
 *    files), so a call through it knows neither which ring it reaches nor
 *    its table.
 *  - NSTABLE stable sources, set up by the main thread before the others
 *    start and never changed or closed until they are done: a full plain
 *    ring, a tagged plain ring, a SINGLE_ISSUER ring (the main thread its
 *    submitter) and a restricted ring.  No thread has them as destination.
 *  - each fuzz thread's own ring (plain, or SINGLE_ISSUER | DEFER_TASKRUN
 *    for odd threads), which no other thread reaches.
 *  The stable and own rings take their fd numbers before any shared ring
 *  is closed and keep them: a stale shared number is never one of them.
 *
 * The threads:
 *  - -j fuzz threads (default 4): random clones, destination their own
 *    ring, a shared ring or a bad fd, by fd or by registered ring index;
 *    source a shared, stable or their own ring or junk, by fd or index;
 *    random flags, offsets and counts biased to the edges, pad, nr_args
 *    and faulting arguments (stress.h's edge_*()).  Each holds registered
 *    indexes of its own, the stable and the shared rings, and registers a
 *    shared one again from its published number now and then (an index
 *    holds its ring, even one closed since).
 *  - the updater: FILES_UPDATE2 of random slots (test files, the sentinel,
 *    -1, SKIP, an io_uring fd, a closed fd, tags), unregistering and
 *    registering tables, through the published numbers.
 *  - the churner: closes a shared ring and creates a new one of the same
 *    kind, which usually gets the same number; drains the shared rings'
 *    CQEs (only tags may arrive, and only the updater's and its own:
 *    cloned slots carry none); as the submitter of the SINGLE_ISSUER ring,
 *    changes that ring's table, and clones into, out of and among the
 *    shared rings, knowing which ring each of its numbers is.
 *
 * There is no exact model of the shared tables.  Each result must be one
 * the documented checks allow for what the caller knows (allowed()): one
 * errno where it knows both rings and their tables, a set of them where
 * not, never anything undocumented.  A clone into the caller's own ring is
 * checked against a model of it: from a stable source or itself exactly
 * (size, the tags of the replaced slots, sampled slots, now and then the
 * whole table); from a shared source the size, the tags and that every
 * cloned slot holds a test file or none (which is then known and checked
 * from then on; a shared source never stands still long enough to know
 * the exact snapshot).  A refused clone leaves the own ring as it was and
 * posts no CQE; a clone out of it posts none there either.
 *
 * At the end the stable sources must be exactly as set up (their tables
 * were only read), every ring must close, and the write end of a pipe that
 * all threads put into tables and clones spread must show EOF on the read
 * end once every ring, index and thread is gone: every reference a table
 * held was released.
 *
 * usage: fuzz-mt [-s SEED] [-n CALLS] [-t SECONDS] [-j FUZZ_THREADS]
 */

#include "stress.h"

#define NFILES		16
#define FUZZ_NOFILE	(1U << 16)	/* RLIMIT_NOFILE, soft and hard */
#define CLOSED_FD	1000		/* kept closed */
#define MAX_FUZZERS	16
#define OWN_MAX		1024	/* a larger own table is reset */
#define RESET_EVERY	200	/* own table reset every 200 calls */
#define REREG_EVERY	64	/* a shared index registered again */
#define FULL_EVERY	32	/* clones into the own ring per full check */
#define EOF_TIMEOUT_MS	10000

/* tags: the top byte says who set them */
#define TAG_WHO		0xff00000000000000ULL
#define TAG_SHARED	0x5a00000000000000ULL	/* updater, churner */
#define TAG_STABLE	0x5b00000000000000ULL
#define TAG_OWN		0x5c00000000000000ULL

/* struct end's ids: which ring it is, or ANY */
#define ANY		(-1)
#define STABLE_ID(k)	(100 + (k))
#define OWN_ID(f)	(200 + (f))

enum { SH_SI, SH_RESTRICTED, SH_PLAIN, NSHARED = SH_PLAIN + 4 };
enum { ST_FULL, ST_TAGGED, ST_SI, ST_RESTRICTED, NSTABLE };

struct shared {
	int fd;			/* published (__atomic), may be stale */
	struct io_uring ring;	/* the churner's */
};

struct stable {
	const char *name;
	struct io_uring ring;
	struct table t;
};

static struct shared shared[NSHARED];
static struct stable stable[NSTABLE];
static struct tfiles tf;

static __u64 seed = 0xc10e3eedULL;
static unsigned long max_calls = 1000000;
static double time_cap = 120.0;		/* INFINITY: none */
static unsigned int nr_fuzzers = 4;

static unsigned long calls_started;	/* __atomic: the fuzz threads' */
static volatile bool stop_fuzz, stop_churn;
/* the shared rings exist; then everybody is set up */
static pthread_barrier_t ready, start;

/* ---- what a caller knows about one end of a call ---- */

struct end {
	const char *what;
	__u32 fd;		/* fd, registered index or junk, as passed */
	bool reg;		/* a registered ring index */
	int err;		/* -errno of its lookup (no ring there), or 0 */
	int id;			/* which ring; ANY: a shared one or none */
	bool si_other;		/* SINGLE_ISSUER, another task submits */
	bool restricted;	/* restricted by fixed_read_res */
	struct table *t;	/* its table, if nobody else changes it */
};

struct mcall {
	struct end dst, src;
	struct io_uring_clone_buffers cf;
	unsigned int nr_args;
	enum arg_kind arg;
};

static void end_stable(struct end *e, unsigned int k, int idx)
{
	*e = (struct end){ .what = stable[k].name, .id = STABLE_ID(k),
			   .si_other = k == ST_SI,
			   .restricted = k == ST_RESTRICTED,
			   .t = &stable[k].t };
	e->reg = idx >= 0;
	e->fd = e->reg ? (__u32)idx : (__u32)stable[k].ring.ring_fd;
}

/* The churner's view: it opens and closes them, so it knows each one. */
static void end_shared_known(struct end *e, unsigned int k)
{
	static const char *const names[] = {
		"shared SINGLE_ISSUER ring", "shared restricted ring",
	};

	*e = (struct end){ .what = k < SH_PLAIN ? names[k] : "shared ring",
			   .fd = shared[k].ring.ring_fd, .id = k,
			   .restricted = k == SH_RESTRICTED };
}

/*
 * Not a ring.  A destination is never -1: io_uring_register() takes that
 * as "no ring" for its blind opcodes.  @empty_idx: an index never
 * registered, or -1 if the caller has none to offer.
 */
static void end_bad(struct end *e, bool reg, bool dst, int empty_idx)
{
	memset(e, 0, sizeof(*e));
	e->id = ANY;
	e->reg = reg;
	if (reg && empty_idx >= 0 && rnd(2)) {
		e->what = "empty registered index";
		e->fd = empty_idx;
		e->err = -EBADF;
	} else if (reg) {
		e->what = "registered index out of range";
		e->fd = rnd(2) ? RINGFD_REG_MAX + rnd(4) :
			((__u32)rnd64() | 0x100) & ~1U;
		e->err = -EINVAL;
	} else {
		switch (rnd(dst ? 2 : 4)) {
		case 0:
			e->what = "not an io_uring fd";
			e->fd = tf.fd[rnd(NFILES)];
			e->err = -EOPNOTSUPP;
			break;
		case 1:
			e->what = "closed fd";
			e->fd = CLOSED_FD;
			e->err = -EBADF;
			break;
		case 2:
			e->what = "fd -1";
			e->fd = -1;
			e->err = -EBADF;
			break;
		default:
			e->what = "fd beyond RLIMIT_NOFILE";
			e->fd = FUZZ_NOFILE + rnd(1U << 30);
			e->err = -EBADF;
		}
	}
}

/*
 * The results the kernel's checks allow for @c, in their order (the same
 * as fuzz.c's expected()), as a mask of clone_results[] indexes: one
 * result where the caller knows both rings and their tables; where it
 * does not, each check adds what it may return, and the first check that
 * surely fails ends the set.  Every table stays within RLIMIT_NOFILE
 * (registration and clones are limited by it), so a range that ends past
 * it is EMFILE for any destination.
 */
static unsigned int allowed(const struct mcall *c)
{
	const struct io_uring_clone_buffers *cf = &c->cf;
	const struct end *d = &c->dst, *s = &c->src;
	unsigned int m = 0, n = 0;
	__u32 end;

	/* io_uring_register(): the destination and its submitter */
	if (d->err)
		return rbit(d->err);
	if (d->id == ANY) {
		m |= rbit(-EEXIST);	/* it may be the SINGLE_ISSUER one */
		if (!d->reg)	/* closed, or a file of the C library now */
			m |= rbit(-EBADF) | rbit(-EOPNOTSUPP);
	} else if (d->si_other) {
		return rbit(-EEXIST);
	}
	/* io_register_clone() */
	if (c->arg == ARG_NULL || c->nr_args != 1)
		return m | rbit(-EINVAL);
	if (c->arg != ARG_VALID)
		return m | rbit(-EFAULT);
	if (cf->flags & ~(IORING_REGISTER_SRC_REGISTERED |
			  IORING_REGISTER_DST_REPLACE))
		return m | rbit(-EINVAL);
	if (!(cf->flags & IORING_REGISTER_DST_REPLACE)) {
		if (d->t && d->t->nr)
			return m | rbit(-EBUSY);
		if (!d->t)	/* a table now, or by the recheck */
			m |= rbit(-EBUSY);
	}
	if (cf->pad[0] || cf->pad[1] || cf->pad[2])
		return m | rbit(-EINVAL);
	/* the source, and both rings if they differ */
	if (s->err)
		return m | rbit(s->err);
	if (s->id == ANY && !s->reg)
		m |= rbit(-EBADF) | rbit(-EOPNOTSUPP);
	if (s->id == ANY || d->id == ANY) {
		/*
		 * Two unknown ones may be the same ring (no checks); an
		 * unknown source may be the SINGLE_ISSUER or the restricted
		 * one, an unknown destination the restricted one or not.
		 */
		if (s->si_other)
			return m | rbit(-EEXIST);
		if (s->id == ANY)
			m |= rbit(-EEXIST);
		if (s->id == ANY || s->restricted)
			m |= rbit(-EACCES);
	} else if (s->id != d->id) {
		if (s->si_other)
			return m | rbit(-EEXIST);
		if (s->restricted && !d->restricted)
			return m | rbit(-EACCES);
	}
	/* io_clone_range() */
	if (!cf->nr && (cf->src_off || cf->dst_off))
		return m | rbit(-EINVAL);
	if (s->t) {
		if (!s->t->nr)
			return m | rbit(-ENXIO);
		n = cf->nr ? cf->nr : s->t->nr;
		if (n > s->t->nr)
			return m | rbit(-EINVAL);
		if (__builtin_add_overflow(n, cf->src_off, &end) ||
		    end > s->t->nr)
			return m | rbit(-EOVERFLOW);
	} else {
		m |= rbit(-ENXIO);
		if (cf->nr)
			m |= rbit(-EINVAL) | rbit(-EOVERFLOW);
		n = cf->nr;	/* or the whole source: at offset 0, fits */
	}
	if (__builtin_add_overflow(n, cf->dst_off, &end))
		return m | rbit(-EOVERFLOW);
	if (end > FUZZ_NOFILE)
		return m | rbit(-EMFILE);
	return m | rbit(0) | rbit(-ENOMEM);
}

/* A range for @c, plausible half of the time; shared sizes are guesses. */
static void roll_range(struct mcall *c)
{
	unsigned int src_nr = c->src.t ? c->src.t->nr : rnd(40);
	unsigned int dst_nr = c->dst.t ? c->dst.t->nr : rnd(40);

	edge_range(&c->cf, !c->src.err && rnd(2), src_nr, dst_nr,
		   FUZZ_NOFILE, FUZZ_NOFILE);
}

static int mcall_do(const struct mcall *c, struct io_uring_clone_buffers *buf,
		    const struct arg_area *area)
{
	unsigned int op = IORING_REGISTER_CLONE_FILES;
	int ret;

	if (c->dst.reg)
		op |= IORING_REGISTER_USE_REGISTERED_RING;
	*buf = c->cf;
	ret = syscall(__NR_io_uring_register, c->dst.fd, op,
		      arg_ptr(area, c->arg, buf), c->nr_args);
	return ret < 0 ? -errno : ret;
}

static const char *table_str(char *buf, size_t size, const struct table *t)
{
	if (!t)
		return "unknown";
	snprintf(buf, size, "%u slots", t->nr);
	return buf;
}

/* Fails unless @ret is in @mask; prints the call if not. */
static void check_result(const char *who, unsigned long i,
			 const struct mcall *c, int ret, unsigned int mask)
{
	static const char *const args[] = { "valid", "NULL", "unmapped",
					    "crossing into unmapped" };
	const struct io_uring_clone_buffers *cf = &c->cf;
	char dt[32], st[32], want[200];
	int k = result_index(ret);

	if (k >= 0 && (mask & (1U << k)))
		return;
	printf("  %s call %lu (seed 0x%llx): dst %s%s %u (table %s), src "
	       "%s%s %u (table %s), flags 0x%x, src_off %u, dst_off %u, nr "
	       "%u, pad %u/%u/%u, nr_args %u, arg %s: returned %d (%s), "
	       "allowed %s\n", who, i, (unsigned long long)seed, c->dst.what,
	       c->dst.reg ? " by index" : "", c->dst.fd,
	       table_str(dt, sizeof(dt), c->dst.t), c->src.what,
	       c->src.reg ? " by index" : "", c->src.fd,
	       table_str(st, sizeof(st), c->src.t), cf->flags, cf->src_off,
	       cf->dst_off, cf->nr, cf->pad[0], cf->pad[1], cf->pad[2],
	       c->nr_args, args[c->arg], ret, ret ? strerror(-ret) : "success",
	       mix_str(want, sizeof(want), NULL, mask));
	die_at(__FILE__, __LINE__, "%s", k < 0 ? "an undocumented result" :
	       "a result the call does not allow");
}

/* Closes a ring, whose fd must still be open. */
static void ring_close_checked(struct io_uring *r)
{
	CHECK(fcntl(r->ring_fd, F_GETFD) >= 0);
	ring_exit(r);
}

/* ---- the updater's and the churner's table changes ---- */

/*
 * Registers a random table through @fd (which @scratch models, for the
 * layout only), now and then one too large; returns the result and adds
 * what it may be to *@mask.
 */
static int shared_register(struct table *scratch, int fd, unsigned int *mask)
{
	/* the helpers use only the fd */
	struct io_uring r = { .ring_fd = fd };
	unsigned int state = 1 + rnd(3), nr;
	int fds[64];

	*mask |= rbit(0) | rbit(-EBUSY) | rbit(-ENOMEM);
	if (!rnd(32)) {
		*mask = (*mask & ~rbit(0)) | rbit(-EMFILE);
		return io_uring_register_files_sparse(&r,
						      FUZZ_NOFILE + 1 + rnd(8));
	}
	nr = table_roll_layout(scratch, &tf, NFILES, state,
			       TAG_SHARED | (__u64)rnd(1U << 16) << 16, fds);
	if (state == 1)
		return io_uring_register_files_sparse(&r, nr);
	return io_uring_register_files_tags(&r, fds, scratch->tag, nr);
}

/*
 * FILES_UPDATE2 of up to 4 slots: test files, the sentinel, -1, SKIP, now
 * and then an io_uring fd or a closed fd (EBADF from that slot on) and a
 * tag on -1 or SKIP (EINVAL).  Returns the slots done or -errno.
 */
static int update_slots(int fd, unsigned int *mask)
{
	struct io_uring r = { .ring_fd = fd };
	unsigned int nr = 1 + rnd(4), off, i;
	__u64 tags[4];
	int fds[4], ret;

	off = rnd(8) ? rnd(70) : edge_u32(40, 40, FUZZ_NOFILE, FUZZ_NOFILE);
	for (i = 0; i < nr; i++) {
		switch (rnd(20)) {
		case 0: fds[i] = -1; break;
		case 1: fds[i] = IORING_REGISTER_FILES_SKIP; break;
		case 2: fds[i] = tf.sentinel; break;
		case 3: fds[i] = stable[rnd(NSTABLE)].ring.ring_fd; break;
		case 4: fds[i] = CLOSED_FD; break;
		default: fds[i] = tf.fd[rnd(NFILES)];
		}
		tags[i] = fds[i] >= 0 && !rnd(3) ?
			  TAG_SHARED | (__u64)rnd(1U << 16) << 16 | i : 0;
		if (!rnd(50))
			tags[i] = TAG_SHARED | 1;
	}
	ret = io_uring_register_files_update_tag(&r, off, fds, tags, nr);
	*mask |= rbit(-ENXIO) | rbit(-EINVAL) | rbit(-EOVERFLOW) |
		 rbit(-EBADF) | rbit(-ENOMEM);
	if (ret > 0) {
		/* slots done, counted as success; 0 itself is no result */
		CHECK(ret <= (int)nr);
		*mask |= rbit(0);
		ret = 0;
	}
	return ret;
}

/*
 * One random change of the table behind @fd, counted in @mix: @known if
 * the caller knows which ring @fd is (the churner, for its own numbers),
 * else a published number that may be closed, another ring's or no ring.
 */
static void table_op(struct table *scratch, int fd, bool known,
		     struct errno_mix *mix, const char *who)
{
	unsigned int mask = known ? 0 : rbit(-EBADF) | rbit(-EOPNOTSUPP) |
					rbit(-EEXIST);
	struct io_uring r = { .ring_fd = fd };
	unsigned int op = rnd(10);
	int ret, k;

	CTX("%s: table change %u on fd %d", who, op, fd);
	if (op == 0) {
		ret = io_uring_unregister_files(&r);
		mask |= rbit(0) | rbit(-ENXIO);
	} else if (op < 3) {
		ret = shared_register(scratch, fd, &mask);
	} else {
		ret = update_slots(fd, &mask);
	}
	k = result_index(ret);
	if (k < 0 || !(mask & (1U << k)))
		die_at(__FILE__, __LINE__, "%s: table change %u on fd %d: %d",
		       who, op, fd, ret);
	mix->n[k]++;
}

/* ---- the shared rings and the churner ---- */

struct churner {
	struct table scratch;
	struct arg_area area;
	struct io_uring_clone_buffers *buf;
	struct errno_mix mix, ops;	/* its clones; its table changes */
	unsigned long replaced, tags;
};

/*
 * A new ring of shared[@k]'s kind with a random table, then published.
 * A thread holding the old ring's number may reach the new one while it is
 * set up (the number is usually the same): its clone may have given the
 * ring a table first (EBUSY), and may clone into the restricted one while
 * it is still disabled, as a disabled ring's own restrictions allow.
 */
static void shared_create(struct churner *ch, unsigned int k)
{
	static const unsigned int flags[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_R_DISABLED,
	};
	struct io_uring *r = &shared[k].ring;
	unsigned int mask = 0;
	int ret;

	CHECK_EQ(0, ring_init(r, 64, k < SH_PLAIN ? flags[k] : 0));
	ret = shared_register(&ch->scratch, r->ring_fd, &mask);
	CHECK(ret == 0 || ret == -EBUSY || ret == -EMFILE);
	if (k == SH_RESTRICTED) {
		CHECK_EQ(0, ring_register(r, IORING_REGISTER_RESTRICTIONS,
					  fixed_read_res,
					  ARRAY_SIZE(fixed_read_res)));
		CHECK_EQ(0, ring_register(r, IORING_REGISTER_ENABLE_RINGS,
					  NULL, 0));
	}
	__atomic_store_n(&shared[k].fd, r->ring_fd, __ATOMIC_RELAXED);
}

/*
 * Only tags may arrive on a shared ring, and only the updater's and the
 * churner's: cloned slots carry none.  The enter flushes CQEs that
 * overflowed the CQ ring and runs the DEFER_TASKRUN ring's task work.
 */
static void drain_shared(struct churner *ch)
{
	struct io_uring_cqe cqe;
	unsigned int k;
	int ret;

	for (k = 0; k < NSHARED; k++) {
		struct io_uring *r = &shared[k].ring;

		ret = io_uring_enter(r->ring_fd, 0, 0, IORING_ENTER_GETEVENTS,
				     NULL);
		CHECK(ret >= 0 || errno == EINTR);
		while (!peek_cqe(r, &cqe)) {
			if (cqe.res || (cqe.user_data & TAG_WHO) != TAG_SHARED)
				die_at(__FILE__, __LINE__, "shared ring %u: "
				       "CQE 0x%llx, res %d", k,
				       (unsigned long long)cqe.user_data,
				       cqe.res);
			ch->tags++;
		}
	}
}

/*
 * A clone among the shared rings, or from a stable one, or junk, by the
 * churner: it knows each ring (not their tables) and is the submitter of
 * the SINGLE_ISSUER one.  It registered no ring index: an index it passes
 * is out of range, EINVAL with or without an io_uring task context.
 */
static void churner_clone(struct churner *ch, unsigned long i)
{
	struct mcall c;
	unsigned int k;
	int ret;

	memset(&c, 0, sizeof(c));
	end_shared_known(&c.dst, rnd(NSHARED));
	c.cf.flags = edge_flags();
	k = rnd(10);
	if (c.cf.flags & IORING_REGISTER_SRC_REGISTERED)
		end_bad(&c.src, true, false, -1);
	else if (k < 6)
		end_shared_known(&c.src, rnd(NSHARED));
	else if (k < 9)
		end_stable(&c.src, rnd(NSTABLE), -1);
	else
		end_bad(&c.src, false, false, -1);
	roll_range(&c);
	edge_tail(&c.cf, &c.nr_args, &c.arg);
	c.cf.src_fd = c.src.fd;
	CTX("churner clone %lu", i);
	ret = mcall_do(&c, ch->buf, &ch->area);
	check_result("churner", i, &c, ret, allowed(&c));
	ch->mix.n[result_index(ret)]++;
}

static void *churner_fn(void *arg)
{
	struct churner *ch = arg;
	unsigned long i;
	unsigned int k;

	rng_state = (seed ^ 0xc4c4c4c4c4c4c4c4ULL) | 1;
	arg_area_init(&ch->area);
	ch->buf = malloc(sizeof(*ch->buf));
	CHECK(ch->buf != NULL);
	/* the SINGLE_ISSUER one is its own: it creates them all */
	for (k = 0; k < NSHARED; k++)
		shared_create(ch, k);
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&start);
	for (i = 0; !stop_churn; i++) {
		drain_shared(ch);
		switch (rnd(16)) {
		case 0:
			k = rnd(NSHARED);
			CTX("churner: replacing shared ring %u", k);
			/* close first, so that the new one reuses the number */
			ring_close_checked(&shared[k].ring);
			shared_create(ch, k);
			ch->replaced++;
			break;
		case 1: case 2: case 3: case 4: case 5: case 6:
			churner_clone(ch, i);
			break;
		case 7: case 8:
			/* only its submitter may change this one */
			table_op(&ch->scratch, shared[SH_SI].ring.ring_fd, true,
				 &ch->ops, "churner");
			break;
		default:
			usleep(rnd(200));
		}
	}
	drain_shared(ch);
	return NULL;
}

struct updater {
	struct table scratch;
	struct errno_mix mix;
};

static void *updater_fn(void *arg)
{
	struct updater *u = arg;

	rng_state = (seed ^ 0x0bda7e0bda7e0bdaULL) | 1;
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&start);
	while (!stop_churn) {
		unsigned int k = rnd(NSHARED);

		table_op(&u->scratch,
			 __atomic_load_n(&shared[k].fd, __ATOMIC_RELAXED),
			 false, &u->mix, "updater");
		if (!rnd(16))
			usleep(rnd(300));
	}
	return NULL;
}

/* ---- the fuzz threads ---- */

struct fuzzer {
	int id;
	pthread_t thread;
	struct io_uring own;	/* no other thread reaches it */
	struct table t;		/* its model */
	int idx_own, idx_stable[NSTABLE], idx_shared[NSHARED], idx_empty;
	bool shared_live[NSHARED];	/* the index holds a ring */
	struct arg_area area;
	struct io_uring_clone_buffers *buf;
	struct errno_mix mix;
	unsigned long calls, exact, changing, probes, self, reads, full;
	unsigned long resets, rereg, rereg_closed;
};

static void end_own(struct fuzzer *f, struct end *e, bool reg)
{
	*e = (struct end){ .what = "own ring", .id = OWN_ID(f->id),
			   .t = &f->t, .reg = reg };
	e->fd = reg ? (__u32)f->idx_own : (__u32)f->own.ring_fd;
}

/* A shared ring: its published number, or this thread's index of it. */
static void end_shared_any(struct fuzzer *f, struct end *e, unsigned int k,
			   bool reg)
{
	memset(e, 0, sizeof(*e));
	e->id = ANY;
	e->reg = reg;
	if (reg) {
		e->what = "index of a shared ring";
		e->fd = f->idx_shared[k];
		e->err = f->shared_live[k] ? 0 : -EBADF;
	} else {
		e->what = "number of a shared ring";
		e->fd = __atomic_load_n(&shared[k].fd, __ATOMIC_RELAXED);
	}
}

/*
 * Resets the own ring's table to a random one of @state, checking the
 * old one and the tags its unregistration posts.
 */
static void own_reset(struct fuzzer *f, unsigned int state)
{
	CTX("thread %d: reset of the own ring", f->id);
	if (f->t.nr) {
		table_check("own ring", &f->own, &f->t);
		table_unregister(&f->own, &f->t);
	}
	table_register(&f->own, &f->t, &tf, NFILES, state,
		       TAG_OWN | (__u64)f->id << 32);
	f->resets++;
}

static void fuzzer_roll(struct fuzzer *f, struct mcall *c)
{
	unsigned int k = rnd(20);
	bool reg = !rnd(5);

	memset(c, 0, sizeof(*c));
	if (k < 1)
		end_bad(&c->dst, reg, true, f->idx_empty);
	else if (k < 9)
		end_own(f, &c->dst, reg);
	else
		end_shared_any(f, &c->dst, rnd(NSHARED), reg);
	c->cf.flags = edge_flags();
	reg = c->cf.flags & IORING_REGISTER_SRC_REGISTERED;
	k = rnd(20);
	if (k < 8) {
		end_shared_any(f, &c->src, rnd(NSHARED), reg);
	} else if (k < 13) {
		k = rnd(NSTABLE);
		end_stable(&c->src, k, reg ? f->idx_stable[k] : -1);
	} else if (k < 16) {
		end_own(f, &c->src, reg);
	} else {
		end_bad(&c->src, reg, false, f->idx_empty);
	}
	roll_range(c);
	edge_tail(&c->cf, &c->nr_args, &c->arg);
	c->cf.src_fd = c->src.fd;
	/*
	 * A whole clone of a changing table into the own ring goes into an
	 * empty one: then the size it gets says how many slots came.
	 */
	if (c->dst.id == OWN_ID(f->id) && c->src.id == ANY && !c->src.err &&
	    !c->cf.nr && f->t.nr)
		table_unregister(&f->own, &f->t);
}

/* The size of @r's table, found with SKIP updates, which change nothing. */
static unsigned int probe_size(struct io_uring *r)
{
	int skip = IORING_REGISTER_FILES_SKIP, ret;
	unsigned int lo = 1, hi = FUZZ_NOFILE, mid;

	ret = io_uring_register_files_update_tag(r, 0, &skip, NULL, 1);
	if (ret == -ENXIO)
		return 0;
	CHECK_EQ(1, ret);
	/* the size is in [lo, hi] */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		ret = io_uring_register_files_update_tag(r, mid, &skip, NULL,
							 1);
		if (ret == 1) {
			lo = mid + 1;
		} else {
			CHECK_EQ(-EINVAL, ret);
			hi = mid;
		}
	}
	return lo;
}

/*
 * A successful clone into the own ring: the model follows it, then the
 * tags of the replaced slots, the size and a sample of the cloned slots
 * (I/O through them) are checked, or now and then the whole table.
 */
static void own_apply(struct fuzzer *f, const struct mcall *c)
{
	const struct io_uring_clone_buffers *cf = &c->cf;
	struct table *st = c->src.t;	/* NULL: a shared ring */
	unsigned int n, i;
	__u64 tags[64];
	int nr_tags;

	if (st) {
		n = cf->nr ? cf->nr : st->nr;
		f->exact++;
		f->self += st == &f->t;
	} else if (cf->nr) {
		n = cf->nr;
		f->changing++;
	} else {
		/* into an empty table (fuzzer_roll()), at offset 0 */
		CHECK_EQ(0, f->t.nr);
		n = probe_size(&f->own);
		f->probes++;
		f->changing++;
	}
	nr_tags = table_apply_clone(&f->t, st, cf->src_off, cf->dst_off, n,
				    tags);
	expect_tags(&f->own, tags, nr_tags);
	check_size(&f->own, f->t.nr);
	if ((st == &f->t || !((f->exact + f->changing) % FULL_EVERY)) &&
	    f->t.nr <= OWN_MAX) {
		f->full++;
		table_check("own ring", &f->own, &f->t);
		return;
	}
	for (i = 0; i < 2; i++)
		table_check_slot(&f->own, &f->t, cf->dst_off + rnd(n));
	f->reads += 2;
}

static void fuzzer_after(struct fuzzer *f, const struct mcall *c, int ret)
{
	if (c->dst.id == OWN_ID(f->id)) {
		if (!ret) {
			own_apply(f, c);
			return;
		}
		/* refused: as it was */
		expect_no_cqe(&f->own);
		check_size(&f->own, f->t.nr);
	} else if (c->src.id == OWN_ID(f->id)) {
		/* a source is never changed */
		expect_no_cqe(&f->own);
	}
}

static int register_index(struct fuzzer *f, int fd)
{
	struct io_uring_rsrc_update up = { .offset = -1U, .data = fd };

	CHECK_EQ(1, ring_register(&f->own, IORING_REGISTER_RING_FDS, &up, 1));
	return up.offset;
}

/*
 * The index of shared ring @k again, from its number now, which may be
 * closed (EBADF; the index is empty until the next try), another shared
 * ring's or not a ring (EOPNOTSUPP).
 */
static void rereg_shared(struct fuzzer *f, unsigned int k)
{
	struct io_uring_rsrc_update up = { .offset = f->idx_shared[k] };
	int ret;

	CHECK_EQ(1, ring_register(&f->own, IORING_UNREGISTER_RING_FDS, &up, 1));
	up.data = __atomic_load_n(&shared[k].fd, __ATOMIC_RELAXED);
	ret = ring_register(&f->own, IORING_REGISTER_RING_FDS, &up, 1);
	CHECK(ret == 1 || ret == -EBADF || ret == -EOPNOTSUPP);
	f->shared_live[k] = ret == 1;
	f->rereg++;
	f->rereg_closed += ret != 1;
}

static void fuzzer_setup(struct fuzzer *f)
{
	unsigned int k;

	/* odd threads: a ring only this thread may use */
	CHECK_EQ(0, ring_init(&f->own, 64, f->id % 2 ?
			      IORING_SETUP_SINGLE_ISSUER |
			      IORING_SETUP_DEFER_TASKRUN : 0));
	arg_area_init(&f->area);
	f->buf = malloc(sizeof(*f->buf));
	CHECK(f->buf != NULL);
	f->idx_own = register_index(f, f->own.ring_fd);
	for (k = 0; k < NSTABLE; k++)
		f->idx_stable[k] = register_index(f, stable[k].ring.ring_fd);
	for (k = 0; k < NSHARED; k++) {
		f->idx_shared[k] = register_index(f, shared[k].fd);
		f->shared_live[k] = true;
	}
	/* the indexes are handed out from 0 */
	f->idx_empty = RINGFD_REG_MAX - 1;
	CHECK(f->idx_shared[NSHARED - 1] < f->idx_empty);
}

static void fuzzer_teardown(struct fuzzer *f)
{
	struct io_uring_rsrc_update ups[RINGFD_REG_MAX] = { { 0 } };
	unsigned int i;

	CTX("thread %d: teardown", f->id);
	if (f->t.nr) {
		table_check("own ring", &f->own, &f->t);
		table_unregister(&f->own, &f->t);
	}
	/* the shared ones may hold rings closed long ago */
	for (i = 0; i < RINGFD_REG_MAX; i++)
		ups[i].offset = i;
	CHECK_EQ(RINGFD_REG_MAX, ring_register(&f->own,
					       IORING_UNREGISTER_RING_FDS,
					       ups, RINGFD_REG_MAX));
	expect_no_cqe(&f->own);
	ring_close_checked(&f->own);
	table_free(&f->t);
}

static void *fuzzer_fn(void *arg)
{
	struct fuzzer *f = arg;
	struct mcall c;
	unsigned long i;
	int ret;

	rng_state = (seed + 0x9e3779b97f4a7c15ULL * (f->id + 1)) | 1;
	pthread_barrier_wait(&ready);
	fuzzer_setup(f);
	pthread_barrier_wait(&start);
	for (i = 0; !stop_fuzz; i++) {
		if (__atomic_fetch_add(&calls_started, 1, __ATOMIC_RELAXED) >=
		    max_calls)
			break;
		if (i % RESET_EVERY == 0 || f->t.nr > OWN_MAX)
			own_reset(f, rnd(4));
		if (i % REREG_EVERY == REREG_EVERY - 1)
			rereg_shared(f, rnd(NSHARED));
		fuzzer_roll(f, &c);
		CTX("thread %d call %lu", f->id, i);
		ret = mcall_do(&c, f->buf, &f->area);
		check_result("thread", i, &c, ret, allowed(&c));
		f->mix.n[result_index(ret)]++;
		fuzzer_after(f, &c, ret);
	}
	f->calls = i;
	fuzzer_teardown(f);
	return NULL;
}

/* ---- the run ---- */

static void stable_setup(void)
{
	static const char *const names[] = {
		"stable full ring", "stable tagged ring",
		"stable SINGLE_ISSUER ring", "stable restricted ring",
	};
	static const unsigned int flags[] = {
		0, 0, IORING_SETUP_SINGLE_ISSUER, IORING_SETUP_R_DISABLED,
	};
	static const unsigned int states[] = { 2, 3, 2, 2 };
	unsigned int k;

	for (k = 0; k < NSTABLE; k++) {
		struct stable *st = &stable[k];

		st->name = names[k];
		CHECK_EQ(0, ring_init(&st->ring, 64, flags[k]));
		table_register(&st->ring, &st->t, &tf, NFILES, states[k],
			       TAG_STABLE | (__u64)k << 16);
		if (k != ST_RESTRICTED)
			continue;
		CHECK_EQ(0, ring_register(&st->ring,
					  IORING_REGISTER_RESTRICTIONS,
					  fixed_read_res,
					  ARRAY_SIZE(fixed_read_res)));
		CHECK_EQ(0, ring_register(&st->ring,
					  IORING_REGISTER_ENABLE_RINGS, NULL,
					  0));
	}
}

/* Everything is stopped: the stable rings were only read, all close. */
static void teardown(void)
{
	unsigned int k;

	for (k = 0; k < NSHARED; k++)
		ring_close_checked(&shared[k].ring);
	for (k = 0; k < NSTABLE; k++) {
		struct stable *st = &stable[k];

		CTX("final check of the %s", st->name);
		table_check(st->name, &st->ring, &st->t);
		table_unregister(&st->ring, &st->t);
		ring_close_checked(&st->ring);
		table_free(&st->t);
	}
}

static void report(const struct fuzzer *fz, const struct churner *ch,
		   const struct updater *up, double secs)
{
	struct errno_mix mix = { { 0 } };
	unsigned long calls = 0;
	unsigned int i;

	for (i = 0; i < nr_fuzzers; i++) {
		const struct fuzzer *f = &fz[i];

		mix_add(&mix, &f->mix);
		calls += f->calls;
		printf("  thread %d (%s own ring): %lu calls; into the own "
		       "ring %lu clones checked exactly (%lu self clones), %lu "
		       "from a changing table (%lu sized by probing), %lu "
		       "whole checks, %lu sampled slot reads, %lu resets; %lu "
		       "index re-registrations (%lu found the number closed)\n",
		       f->id, f->id % 2 ? "DEFER_TASKRUN" : "plain", f->calls,
		       f->exact, f->self, f->changing, f->probes, f->full,
		       f->reads, f->resets, f->rereg, f->rereg_closed);
	}
	printf("  churner: %lu clones, %lu table changes of its SINGLE_ISSUER "
	       "ring, %lu shared rings replaced, %lu tag CQEs drained\n",
	       mix_total(&ch->mix), mix_total(&ch->ops), ch->replaced,
	       ch->tags);
	printf("  updater: %lu table changes through published numbers\n",
	       mix_total(&up->mix));
	mix_print("errno mix of the churner's clones", &ch->mix);
	mix_print("errno mix of the updater's table changes (0: done)",
		  &up->mix);
	mix_print("errno mix of the churner's table changes", &ch->ops);
	printf("  seed 0x%llx: %lu calls by %u fuzz threads in %.1f s, %.0f "
	       "calls/s (limit %lu calls or %.0f s)\n",
	       (unsigned long long)seed, calls, nr_fuzzers, secs,
	       secs > 0 ? calls / secs : 0.0, max_calls, time_cap);
	mix_print("errno mix", &mix);
}

static void fuzz_mt(void *arg)
{
	struct fuzzer fz[MAX_FUZZERS];
	struct churner ch = { 0 };
	struct updater up = { 0 };
	pthread_t tc, tu;
	double t0, secs;
	unsigned int i;
	int sp[2];

	(void)arg;
	rng_state = seed ? seed : 1;
	fuzz_files(&tf, NFILES, sp, FUZZ_NOFILE, CLOSED_FD);
	stable_setup();

	memset(fz, 0, sizeof(fz));
	CHECK_EQ(0, pthread_barrier_init(&ready, NULL, nr_fuzzers + 3));
	CHECK_EQ(0, pthread_barrier_init(&start, NULL, nr_fuzzers + 3));
	CHECK_EQ(0, pthread_create(&tc, NULL, churner_fn, &ch));
	CHECK_EQ(0, pthread_create(&tu, NULL, updater_fn, &up));
	for (i = 0; i < nr_fuzzers; i++) {
		fz[i].id = i;
		CHECK_EQ(0, pthread_create(&fz[i].thread, NULL, fuzzer_fn,
					   &fz[i]));
	}
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&start);
	t0 = now_s();
	while (__atomic_load_n(&calls_started, __ATOMIC_RELAXED) < max_calls &&
	       now_s() - t0 < time_cap)
		usleep(20000);
	stop_fuzz = true;
	for (i = 0; i < nr_fuzzers; i++)
		CHECK_EQ(0, pthread_join(fz[i].thread, NULL));
	secs = now_s() - t0;
	stop_churn = true;
	CHECK_EQ(0, pthread_join(tc, NULL));
	CHECK_EQ(0, pthread_join(tu, NULL));

	teardown();
	/* the sentinel's references went with the tables, rings, indexes */
	close(sp[1]);
	CTX("sentinel EOF");
	CHECK_EQ(0, wait_eof(sp[0], EOF_TIMEOUT_MS));
	tfiles_destroy(&tf);
	report(fz, &ch, &up, secs);
	printf("  stable sources intact, every ring closed, sentinel at EOF\n");
}

int main(int argc, char **argv)
{
	unsigned long j;
	int opt, ret;

	while ((opt = getopt(argc, argv, "s:n:t:j:")) != -1) {
		ret = fuzz_option(opt, optarg, &seed, &max_calls, &time_cap);
		if (ret > 0)
			continue;
		if (!ret && opt == 'j' && parse_count(optarg, &j) && j &&
		    j <= MAX_FUZZERS) {
			nr_fuzzers = j;
			continue;
		}
		fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] [-t SECONDS, "
			"0: no cap] [-j FUZZ_THREADS, 1 to %d]\n", argv[0],
			MAX_FUZZERS);
		return 2;
	}
	stress_init();
	printf("fuzz-mt: seed 0x%llx, %u fuzz threads, an updater and a "
	       "churner, at most %lu calls or %.0f s\n",
	       (unsigned long long)seed, nr_fuzzers, max_calls, time_cap);
	run_test("fuzz-mt: concurrent clones among rings that change and close",
		 fuzz_mt, NULL, cap_timeout(time_cap, 300));
	return summary();
}
