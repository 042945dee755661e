// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile sources for IORING_REGISTER_CLONE_FILES:
 *  - a SINGLE_ISSUER (or DEFER_TASKRUN) ring whose submitter is in another
 *    process, fetched with pidfd_getfd(): EEXIST, also after that process
 *    exited and through a registered ring index; a thread of our own
 *    process may clone from our SINGLE_ISSUER ring;
 *  - restricted source rings: SQE restrictions only, register restrictions
 *    without and with CLONE_FILES, an empty restriction set, restrictions
 *    inherited from the creating task (IORING_REGISTER_RESTRICTIONS with
 *    fd -1 in a thread or a process), BPF filters on the ring or inherited
 *    from the task, and a BPF filter plus restrictions allowing the clone;
 *  - restricted destinations, whose own register restrictions gate the call;
 *  - a restricted source cloned into a destination restricted exactly the
 *    same way: both rings created by one thread under SQE-only task
 *    restrictions or a task cBPF filter, or identical restrictions
 *    registered on both rings, is allowed; the same with one extra
 *    restriction on either ring (another BPF filter, which makes the
 *    filter set copy-on-write, SQE restrictions on top of the task's
 *    filter, one more allowed opcode) is EACCES.
 * Each gets exactly the documented result.  A refused clone leaves both a
 * table-less and a populated destination exactly as they were, while I/O
 * through the restricted ring's allowed opcode still works and a denied
 * opcode is still denied: the files cannot be copied out of it.
 */

#include "stress.h"
#include <linux/filter.h>
#include <linux/io_uring/bpf_filter.h>

#define NSLOTS		6
#define SRC_TAG(s)	(0x5ec0000ULL + (s))
#define DST_TAG(s)	(0xd570000ULL + (s))

static struct tfiles tf;

/* source: files 0, 1, -, 3, 4, - ; destination: 10, -, 11, 12 with tags */
static void src_layout(struct layout *l)
{
	static const int f[NSLOTS] = { 0, 1, EMPTY, 3, 4, EMPTY };
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = NSLOTS;
	for (i = 0; i < NSLOTS; i++)
		l->file[i] = f[i];
}

/* Registers the destination's table on @dst, as @l says. */
static void fill_dst(struct ring *dst, struct layout *l)
{
	static const int f[] = { 10, EMPTY, 11, 12, EMPTY };
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = ARRAY_SIZE(f);
	for (i = 0; i < l->nr; i++) {
		l->file[i] = f[i];
		l->tag[i] = DST_TAG(i);
	}
	register_layout(dst, &tf, l);
	/* a narrowed allocation range: [1, 3), slot 1 free */
	CHECK_EQ(0, ring_file_alloc_range(dst, 1, 2));
	l->alloc_start = 1;
	l->alloc_end = 3;
}

static void make_dst(struct ring *dst, struct layout *l)
{
	CHECK_EQ(0, ring_init(dst, 16, 0));
	fill_dst(dst, l);
}

/*
 * Clones source @src_fd (flags @sflags: SRC_REGISTERED or 0) into a fresh
 * table-less destination and, with DST_REPLACE, into a populated one.  Both
 * must give @expect; on an error both destinations are unchanged, on
 * success both hold the source's files as @src says.
 */
static void clone_into_dsts(int src_fd, unsigned int sflags,
			    const struct layout *src, int expect)
{
	struct layout dl, want;
	__u64 tags[MAX_SLOTS];
	struct ring dst;
	int n;

	/* a destination without a table */
	CHECK_EQ(0, ring_init(&dst, 16, 0));
	CHECK_EQ(expect, clone_files(&dst, src_fd, sflags, 0, 0, 0));
	memset(&want, 0, sizeof(want));
	if (!expect)
		layout_clone(&want, src, 0, 0, 0, tags, &n);
	expect_no_cqe(&dst);
	check_layout(&dst, &want);
	ring_exit(&dst);

	/* a populated, tagged destination with a narrowed allocation range */
	make_dst(&dst, &dl);
	want = dl;
	n = 0;
	if (!expect)
		layout_clone(&want, src, 0, 0, 0, tags, &n);
	CHECK_EQ(expect ? expect : -EBUSY,
		 clone_files(&dst, src_fd, sflags, 0, 0, 0));
	CHECK_EQ(expect, clone_files(&dst, src_fd,
				     sflags | IORING_REGISTER_DST_REPLACE,
				     0, 0, 0));
	expect_tags(&dst, tags, n);
	check_layout(&dst, &want);
	check_alloc(&dst, &tf, &want);
	unregister_expect_tags(&dst, &want);
	ring_exit(&dst);
}

/* The same through a registered ring index of this task. */
static void clone_into_dsts_registered(int src_fd, const struct layout *src,
				       int expect)
{
	struct io_uring_rsrc_update up = { .offset = -1U, .data = src_fd };
	struct ring r;

	CHECK_EQ(0, ring_init(&r, 1, 0));
	CHECK_EQ(1, ring_register(&r, IORING_REGISTER_RING_FDS, &up, 1));
	clone_into_dsts(up.offset, IORING_REGISTER_SRC_REGISTERED, src, expect);
	up.data = 0;	/* unregistering takes the index alone */
	CHECK_EQ(1, ring_register(&r, IORING_UNREGISTER_RING_FDS, &up, 1));
	ring_exit(&r);
}

/* ---------------- SINGLE_ISSUER ring of another process ---------------- */

/* Child: creates the ring, reports its fd, lives until @sync reaches EOF. */
static int ring_owner(void *arg, int report, int sync)
{
	unsigned int setup_flags = *(unsigned int *)arg;
	struct layout l;
	struct ring r;
	unsigned int i;
	char c;

	if (ring_init(&r, 4, setup_flags))
		return 1;
	src_layout(&l);
	register_layout(&r, &tf, &l);
	if (write(report, &r.fd, sizeof(r.fd)) != sizeof(r.fd))
		return 2;
	if (read(sync, &c, 1) != 0)
		return 3;
	for (i = 0; i < l.nr; i++)
		if (slot_file(&r, i) != slot_expect(l.file[i]))
			return 4;
	return 0;
}

struct src_ref {
	int fd;
	const struct layout *l;
};

/* A thread of this process is no closer to another process's ring. */
static void *foreign_thread_fn(void *arg)
{
	struct src_ref *src = arg;

	CTX("thread of this process, submitter in another");
	clone_into_dsts(src->fd, 0, src->l, -EEXIST);
	return NULL;
}

static void foreign_single_issuer(void *arg)
{
	struct owner_child child;
	struct src_ref ref;
	struct layout l;
	int fd;

	src_layout(&l);
	owner_fork(&child, ring_owner, arg, &fd, 1);
	if (fd < 0 && errno == EPERM)
		skip_test("no ptrace access to the child for pidfd_getfd()");
	CHECK(fd >= 0);

	CTX("submitter alive in another process");
	clone_into_dsts(fd, 0, &l, -EEXIST);
	clone_into_dsts_registered(fd, &l, -EEXIST);
	ref = (struct src_ref){ .fd = fd, .l = &l };
	CHECK_EQ(0, run_thread(foreign_thread_fn, &ref));

	/* the submitter exits: the ring still belongs to another process */
	CHECK_EQ(0, owner_release(&child));
	CTX("submitter exited");
	clone_into_dsts(fd, 0, &l, -EEXIST);
	close(fd);
}

/* ---------------- a thread of our own process ---------------- */

static void *own_thread_fn(void *arg)
{
	struct src_ref *src = arg;

	CTX("thread of the submitter's process");
	clone_into_dsts(src->fd, 0, src->l, 0);
	clone_into_dsts_registered(src->fd, src->l, 0);
	return NULL;
}

static void own_single_issuer(void *arg)
{
	unsigned int setup_flags = *(unsigned int *)arg;
	struct src_ref ref;
	struct layout l;
	struct ring src;

	src_layout(&l);
	CHECK_EQ(0, ring_init(&src, 4, setup_flags));
	register_layout(&src, &tf, &l);
	ref = (struct src_ref){ .fd = src.fd, .l = &l };
	CHECK_EQ(0, run_thread(own_thread_fn, &ref));
	expect_no_cqe(&src);
	check_layout(&src, &l);
	ring_exit(&src);
}

/* ---------------- restricted sources ---------------- */

enum how {
	ON_RING,	/* created disabled, restricted, then enabled */
	TASK_THREAD,	/* inherited from a thread's task restrictions */
	TASK_PROCESS,	/* the same in another process (pidfd_getfd) */
};

#define NO_RES		(-1)	/* no IORING_REGISTER_RESTRICTIONS at all */
#define ALLOW_SQE(op)	{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = (op) }
#define ALLOW_REG(op)	{ .opcode = IORING_RESTRICTION_REGISTER_OP, \
			  .register_op = (op) }
#define ALLOW_FIXED	{ .opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED, \
			  .sqe_flags = IOSQE_FIXED_FILE }

struct rcase {
	const char *name;
	enum how how;
	int nr_res;			/* NO_RES: none registered */
	struct io_uring_restriction res[4];
	bool bpf;		/* allow-all filter on READ, DENY_REST */
	int expect;
	int read_ret, write_ret;	/* fixed READ / WRITE on the source */
};

static const struct rcase rcases[] = {
	{ "SQE restrictions only", ON_RING, 2,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "register restrictions without CLONE_FILES", ON_RING, 1,
	  { ALLOW_REG(IORING_REGISTER_FILES_UPDATE) }, false,
	  -EACCES, TFILE_LEN, TFILE_LEN },
	{ "register restrictions with CLONE_FILES", ON_RING, 3,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED,
	    ALLOW_REG(IORING_REGISTER_CLONE_FILES) }, false,
	  0, TFILE_LEN, -EACCES },
	{ "an empty restriction set", ON_RING, 0, { }, false,
	  -EACCES, -EACCES, -EACCES },
	{ "SQE restrictions inherited from a thread's task", TASK_THREAD, 2,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "task register restrictions without CLONE_FILES", TASK_THREAD, 1,
	  { ALLOW_REG(IORING_REGISTER_FILES2) }, false,
	  -EACCES, TFILE_LEN, TFILE_LEN },
	{ "task restrictions allowing CLONE_FILES", TASK_THREAD, 4,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED,
	    ALLOW_REG(IORING_REGISTER_FILES2),
	    ALLOW_REG(IORING_REGISTER_CLONE_FILES) }, false,
	  0, TFILE_LEN, -EACCES },
	{ "SQE restrictions inherited from another process's task",
	  TASK_PROCESS, 2, { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "a BPF filter on the ring", ON_RING, NO_RES, { }, true,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "a BPF filter inherited from a thread's task", TASK_THREAD, NO_RES,
	  { }, true, -EACCES, TFILE_LEN, -EACCES },
	{ "a BPF filter and register restrictions with CLONE_FILES", ON_RING,
	  1, { ALLOW_REG(IORING_REGISTER_CLONE_FILES) }, true,
	  0, TFILE_LEN, -EACCES },
};

/* Allows IORING_OP_READ (a filter returning 1), denies every other op. */
static int bpf_allow_read(int ring_fd)
{
	static struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, 1) };
	struct io_uring_bpf reg = {
		.cmd_type = IO_URING_BPF_CMD_FILTER,
		.filter = {
			.opcode = IORING_OP_READ,
			.flags = IO_URING_BPF_FILTER_DENY_REST,
			.filter_len = ARRAY_SIZE(allow),
			.filter_ptr = (uintptr_t)allow,
		},
	};

	if (syscall(__NR_io_uring_register, ring_fd,
		    IORING_REGISTER_BPF_FILTER, &reg, 1) < 0)
		return -errno;
	return 0;
}

/* Task restrictions, or a task BPF filter, of the calling thread. */
static int restrict_task(const struct rcase *rc)
{
	struct {
		struct io_uring_task_restriction h;
		struct io_uring_restriction res[4];
	} tres = { .h.nr_res = rc->nr_res };

	if (rc->bpf)
		return bpf_allow_read(-1);
	memcpy(tres.res, rc->res, sizeof(tres.res));
	if (syscall(__NR_io_uring_register, -1, IORING_REGISTER_RESTRICTIONS,
		    &tres, 1) < 0)
		return -errno;
	return 0;
}

/* Builds the restricted source in @r; 0 or the step that failed. */
static int make_restricted(const struct rcase *rc, struct ring *r)
{
	struct layout l;

	src_layout(&l);
	if (rc->how != ON_RING) {
		if (restrict_task(rc))
			return 1;
		if (ring_init(r, 8, 0))
			return 2;
		register_layout(r, &tf, &l);
		return 0;
	}
	if (ring_init(r, 8, IORING_SETUP_R_DISABLED))
		return 2;
	register_layout(r, &tf, &l);
	if (rc->bpf && bpf_allow_read(r->fd))
		return 3;
	if (rc->nr_res != NO_RES &&
	    ring_register(r, IORING_REGISTER_RESTRICTIONS, rc->res, rc->nr_res))
		return 4;
	if (ring_register(r, IORING_REGISTER_ENABLE_RINGS, NULL, 0))
		return 5;
	return 0;
}

struct maker {
	const struct rcase *rc;
	struct ring *r;
	int step;
};

static void *maker_fn(void *arg)
{
	struct maker *m = arg;

	m->step = make_restricted(m->rc, m->r);
	return NULL;	/* the task's restrictions die with the thread */
}

/* I/O through the source: the allowed opcode works, the others don't. */
static int source_io(const struct rcase *rc, struct ring *r)
{
	char buf[TFILE_LEN];

	tfile_content(0, buf);
	/* writes back the file's own content: nothing changes */
	if (fixed_write(r, 0, buf, TFILE_LEN, 0) != rc->write_ret)
		return 1;
	if (rc->read_ret < 0)
		return fixed_read(r, 0, buf, TFILE_LEN, 0) != rc->read_ret;
	return slot_file(r, 0) != 0 || slot_file(r, 3) != 3 ||
	       slot_file(r, 2) != -EBADF;
}

/* Child: builds the source under task restrictions and lives until EOF. */
static int restricted_owner(void *arg, int report, int sync)
{
	const struct rcase *rc = arg;
	struct ring r;
	char c;

	if (make_restricted(rc, &r))
		return 1;
	if (write(report, &r.fd, sizeof(r.fd)) != sizeof(r.fd))
		return 2;
	if (read(sync, &c, 1) != 0)
		return 3;
	return source_io(rc, &r) ? 4 : 0;
}

static void restricted_source(void *arg)
{
	const struct rcase *rc = arg;
	struct maker m = { .rc = rc };
	struct owner_child child;
	struct layout l;
	struct ring src;
	int fd;

	src_layout(&l);
	if (rc->how == TASK_PROCESS) {
		owner_fork(&child, restricted_owner, arg, &fd, 1);
		if (fd < 0 && errno == EPERM)
			skip_test("no ptrace access for pidfd_getfd()");
		CHECK(fd >= 0);
	} else {
		m.r = &src;
		if (rc->how == TASK_THREAD)
			CHECK_EQ(0, run_thread(maker_fn, &m));
		else
			maker_fn(&m);
		CHECK_EQ(0, m.step);
		fd = src.fd;
		/* the allowed opcode works before the clones, too */
		CHECK_EQ(0, source_io(rc, &src));
	}

	clone_into_dsts(fd, 0, &l, rc->expect);
	clone_into_dsts_registered(fd, &l, rc->expect);

	if (rc->how == TASK_PROCESS) {
		close(fd);
		CHECK_EQ(0, owner_release(&child));	/* its I/O checks passed */
		return;
	}
	/* the source is unchanged and its restrictions still hold */
	expect_no_cqe(&src);
	CHECK_EQ(0, source_io(rc, &src));
	ring_exit(&src);
}

/* ---------------- rings restricted the same way ---------------- */

enum same_base {
	TASK_SQE,	/* created by one thread under SQE-only task restrictions */
	TASK_BPF,	/* created by one thread under a task cBPF filter */
	RING_SQE,	/* identical SQE restrictions registered on each ring */
};

enum same_extra {
	EXTRA_NONE,
	EXTRA_DST_BPF,	/* the destinations get one more BPF filter */
	EXTRA_SRC_BPF,	/* the source gets one more BPF filter */
	EXTRA_DST_SQE,	/* the destinations get SQE restrictions (or, on
			   RING_SQE, one more allowed opcode) */
	EXTRA_SRC_SQE,	/* the same on the source */
};

struct scase {
	const char *name;
	enum same_base base;
	enum same_extra extra;
	int expect;
};

static const struct scase scases[] = {
	{ "both rings created under SQE task restrictions", TASK_SQE,
	  EXTRA_NONE, 0 },
	{ "SQE task restrictions, destination with an extra BPF filter",
	  TASK_SQE, EXTRA_DST_BPF, -EACCES },
	{ "SQE task restrictions, source with an extra BPF filter",
	  TASK_SQE, EXTRA_SRC_BPF, -EACCES },
	{ "both rings created under a task BPF filter", TASK_BPF,
	  EXTRA_NONE, 0 },
	{ "task BPF filter, destination with an extra BPF filter", TASK_BPF,
	  EXTRA_DST_BPF, -EACCES },
	{ "task BPF filter, destination with SQE restrictions too", TASK_BPF,
	  EXTRA_DST_SQE, -EACCES },
	{ "task BPF filter, source with SQE restrictions too", TASK_BPF,
	  EXTRA_SRC_SQE, -EACCES },
	{ "identical SQE restrictions registered on both rings", RING_SQE,
	  EXTRA_NONE, 0 },
	{ "ring SQE restrictions, destination allowing one more opcode",
	  RING_SQE, EXTRA_DST_SQE, -EACCES },
};

struct same_rings {
	const struct scase *sc;
	struct ring src, empty, full;	/* full: a populated destination */
	struct layout sl, fl;
	int step;			/* 0, or the step that failed */
};

/* One ring of a case; @extra: this ring gets the case's extra restriction. */
static int same_ring(const struct scase *sc, struct ring *r, bool extra)
{
	static const struct io_uring_restriction read_only[] = {
		ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED,
	};
	static const struct io_uring_restriction read_write[] = {
		ALLOW_SQE(IORING_OP_READ), ALLOW_SQE(IORING_OP_WRITE),
		ALLOW_FIXED,
	};
	bool sqe_extra = extra && (sc->extra == EXTRA_DST_SQE ||
				   sc->extra == EXTRA_SRC_SQE);
	bool bpf_extra = extra && (sc->extra == EXTRA_DST_BPF ||
				   sc->extra == EXTRA_SRC_BPF);
	bool disabled = sc->base == RING_SQE || sqe_extra;

	if (ring_init(r, 16, disabled ? IORING_SETUP_R_DISABLED : 0))
		return 1;
	if (sc->base == RING_SQE) {
		if (ring_register(r, IORING_REGISTER_RESTRICTIONS,
				  sqe_extra ? read_write : read_only,
				  sqe_extra ? 3 : 2))
			return 2;
	} else if (sqe_extra) {
		if (ring_register(r, IORING_REGISTER_RESTRICTIONS, read_only, 2))
			return 3;
	}
	if (bpf_extra && bpf_allow_read(r->fd))
		return 4;
	if (disabled && ring_register(r, IORING_REGISTER_ENABLE_RINGS, NULL, 0))
		return 5;
	return 0;
}

/* Builds the source and both destinations: 0 or the step that failed. */
static int make_same_rings(struct same_rings *sr)
{
	const struct scase *sc = sr->sc;
	bool src_extra = sc->extra == EXTRA_SRC_BPF ||
			 sc->extra == EXTRA_SRC_SQE;
	bool dst_extra = sc->extra == EXTRA_DST_BPF ||
			 sc->extra == EXTRA_DST_SQE;
	int ret;

	if (sc->base == TASK_SQE) {
		struct {
			struct io_uring_task_restriction h;
			struct io_uring_restriction res[2];
		} tres = {
			.h.nr_res = 2,
			.res = { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED },
		};

		if (syscall(__NR_io_uring_register, -1,
			    IORING_REGISTER_RESTRICTIONS, &tres, 1) < 0)
			return 10;
	} else if (sc->base == TASK_BPF) {
		if (bpf_allow_read(-1))
			return 11;
	}
	ret = same_ring(sc, &sr->src, src_extra);
	if (ret)
		return 20 + ret;
	ret = same_ring(sc, &sr->empty, dst_extra);
	if (ret)
		return 30 + ret;
	ret = same_ring(sc, &sr->full, dst_extra);
	if (ret)
		return 40 + ret;
	src_layout(&sr->sl);
	register_layout(&sr->src, &tf, &sr->sl);
	fill_dst(&sr->full, &sr->fl);
	return 0;
}

static void *same_maker_fn(void *arg)
{
	struct same_rings *sr = arg;

	sr->step = make_same_rings(sr);
	return NULL;	/* the task's restrictions die with the thread */
}

static void same_restrictions(void *arg)
{
	const struct scase *sc = arg;
	struct same_rings sr = { .sc = sc };
	char buf[TFILE_LEN];
	struct layout want, none = { .nr = 0 };
	__u64 tags[MAX_SLOTS];
	int n = 0;

	if (sc->base == RING_SQE)
		same_maker_fn(&sr);
	else
		CHECK_EQ(0, run_thread(same_maker_fn, &sr));
	CHECK_EQ(0, sr.step);

	/* a destination without a table */
	CTX("table-less destination");
	CHECK_EQ(sc->expect, clone_files(&sr.empty, sr.src.fd, 0, 0, 0, 0));
	want = none;
	if (!sc->expect)
		layout_clone(&want, &sr.sl, 0, 0, 0, tags, &n);
	expect_no_cqe(&sr.empty);
	check_layout(&sr.empty, &want);

	/* a populated, tagged destination */
	CTX("populated destination");
	want = sr.fl;
	n = 0;
	if (!sc->expect)
		layout_clone(&want, &sr.sl, 0, 0, 0, tags, &n);
	CHECK_EQ(sc->expect ? sc->expect : -EBUSY,
		 clone_files(&sr.full, sr.src.fd, 0, 0, 0, 0));
	CHECK_EQ(sc->expect, clone_files(&sr.full, sr.src.fd,
					 IORING_REGISTER_DST_REPLACE, 0, 0, 0));
	expect_tags(&sr.full, tags, n);
	check_layout(&sr.full, &want);

	/* the destinations' restrictions hold for the cloned files too */
	tfile_content(0, buf);
	if (!sc->expect) {
		CHECK_EQ(-EACCES, fixed_write(&sr.empty, 0, buf, TFILE_LEN, 0));
		CHECK_EQ(-EACCES, fixed_write(&sr.full, 0, buf, TFILE_LEN, 0));
	}
	unregister_expect_tags(&sr.full, &want);
	ring_exit(&sr.full);
	ring_exit(&sr.empty);

	/* the source is unchanged, its restrictions still hold */
	CTX("source");
	expect_no_cqe(&sr.src);
	check_layout(&sr.src, &sr.sl);
	CHECK_EQ(-EACCES, fixed_write(&sr.src, 0, buf, TFILE_LEN, 0));
	ring_exit(&sr.src);
}

/* ---------------- restricted destinations ---------------- */

static void restricted_destination(void *arg)
{
	bool allow = *(bool *)arg;
	struct io_uring_restriction res[] = {
		ALLOW_REG(IORING_REGISTER_FILES_UPDATE2),
		ALLOW_REG(IORING_REGISTER_CLONE_FILES),
	};
	struct layout l, none = { .nr = 0 };
	struct ring src, dst;

	src_layout(&l);
	CHECK_EQ(0, ring_init(&src, 4, 0));
	register_layout(&src, &tf, &l);
	CHECK_EQ(0, ring_init(&dst, 8, IORING_SETUP_R_DISABLED));
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_RESTRICTIONS, res,
				  allow ? 2 : 1));
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_ENABLE_RINGS, NULL, 0));
	CHECK_EQ(allow ? 0 : -EACCES, clone_files(&dst, src.fd, 0, 0, 0, 0));
	check_layout(&dst, allow ? &l : &none);
	expect_no_cqe(&dst);
	ring_exit(&dst);
	check_layout(&src, &l);
	ring_exit(&src);
}

int main(void)
{
	static unsigned int single = IORING_SETUP_SINGLE_ISSUER;
	static unsigned int deferred = IORING_SETUP_SINGLE_ISSUER |
				       IORING_SETUP_DEFER_TASKRUN;
	static bool no = false, yes = true;
	char name[160];
	unsigned int i;

	stress_init();
	tfiles_create(&tf, 16);
	run_test("hostile: SINGLE_ISSUER source of another process: EEXIST",
		 foreign_single_issuer, &single, 120);
	run_test("hostile: DEFER_TASKRUN source of another process: EEXIST",
		 foreign_single_issuer, &deferred, 120);
	run_test("hostile: SINGLE_ISSUER source, cloned by a thread of its process",
		 own_single_issuer, &single, 120);
	run_test("hostile: DEFER_TASKRUN source, cloned by a thread of its process",
		 own_single_issuer, &deferred, 120);
	for (i = 0; i < ARRAY_SIZE(rcases); i++) {
		snprintf(name, sizeof(name), "hostile: source with %s: %s",
			 rcases[i].name, rcases[i].expect ? "EACCES" : "allowed");
		run_test(name, restricted_source, (void *)&rcases[i], 120);
	}
	for (i = 0; i < ARRAY_SIZE(scases); i++) {
		snprintf(name, sizeof(name), "hostile: same restrictions? %s: %s",
			 scases[i].name, scases[i].expect ? "EACCES" : "allowed");
		run_test(name, same_restrictions, (void *)&scases[i], 120);
	}
	run_test("hostile: destination restricted without CLONE_FILES: EACCES",
		 restricted_destination, &no, 120);
	run_test("hostile: destination restricted with CLONE_FILES: allowed",
		 restricted_destination, &yes, 120);
	tfiles_destroy(&tf);
	return summary();
}
