// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile sources for IORING_REGISTER_CLONE_FILES:
 *  - a SINGLE_ISSUER (or DEFER_TASKRUN) ring whose submitter is in another
 *    process, fetched with pidfd_getfd(): EEXIST, also after that process
 *    exited and through a registered ring index;
 *  - a SINGLE_ISSUER ring of our own process: only its submitter may clone
 *    from it, any other thread gets EEXIST; the two ways a per-thread
 *    setup works within that rule: (a) the submitter clones into a
 *    disabled SINGLE_ISSUER ring that a worker thread then enables (after
 *    which the submitter can no longer clone into it), (b) the submitter
 *    fills a template ring without SINGLE_ISSUER that any thread clones;
 *  - restricted source rings cloned into an unrestricted ring: EACCES for
 *    SQE restrictions (with or without register restrictions allowing
 *    CLONE_FILES: the source's register_op bitmap opens nothing), an empty
 *    restriction set, restrictions inherited from the creating task
 *    (IORING_REGISTER_RESTRICTIONS with fd -1 in a thread or a process),
 *    BPF filters on the ring or inherited from the task, and a BPF filter
 *    plus restrictions allowing the clone; allowed for a source with
 *    register restrictions alone, on the ring or inherited (they gate
 *    calls on that ring, not cloning out of it);
 *  - a restricted ring cloned into itself: allowed whatever its SQE
 *    restrictions and filters, unless its own register restrictions
 *    refuse CLONE_FILES (EACCES);
 *  - restricted sources cloned into restricted destinations: allowed when
 *    the destination is at least as restricted (a strict subset of the
 *    SQE opcodes, fewer allowed SQE flags, a flag required that the source
 *    only allows, also registered on a still disabled destination), EACCES
 *    when it allows more (one more opcode or SQE flag, a required flag not
 *    required); the register opcodes of either play no part in that;
 *  - restricted destinations, whose own register restrictions gate the call;
 *  - rings created by one thread under SQE-only task restrictions or a
 *    task cBPF filter (which share one filter set), or with identical SQE
 *    restrictions registered on both, are allowed; so is a destination with
 *    one more restriction that leaves the filter set alone (SQE
 *    restrictions on top of the task's filter, one opcode fewer, a BPF
 *    filter when the source has none); a source with one more restriction
 *    than the destination is EACCES, and so is a destination whose filter
 *    set is not the source's: another BPF filter makes the destination's
 *    set a copy-on-write one of its own, and identical filters registered
 *    on each ring are two sets;
 *  - IORING_REGISTER_CLONE_BUFFERS follows the same rule: EACCES from a
 *    source with SQE restrictions or a BPF filter into an unrestricted
 *    ring, allowed into one restricted the same and from a source with
 *    register restrictions alone.
 * Each gets exactly the documented result.  A populated destination without
 * IORING_REGISTER_DST_REPLACE is EBUSY before the source is even looked
 * at.  A refused clone leaves both a table-less and a populated destination
 * exactly as they were, and the source too, while I/O through the
 * restricted ring's allowed opcode still works and a denied opcode is
 * still denied: the files cannot be copied out of it.
 */

#include "stress.h"
#include <semaphore.h>
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
static void fill_dst(struct io_uring *dst, struct layout *l)
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
	CHECK_EQ(0, io_uring_register_file_alloc_range(dst, 1, 2));
	l->alloc_start = 1;
	l->alloc_end = 3;
}

static void make_dst(struct io_uring *dst, struct layout *l)
{
	CHECK_EQ(0, ring_init(dst, 16, 0));
	fill_dst(dst, l);
}

/*
 * Clones source @src_fd (flags @sflags: SRC_REGISTERED or 0) into a fresh
 * table-less destination and, with DST_REPLACE, into a populated one.  Both
 * must give @expect (without DST_REPLACE the populated one is EBUSY,
 * whatever the source); on an error both destinations are unchanged, on
 * success both hold the source's files as @src says.
 */
static void clone_into_dsts(int src_fd, unsigned int sflags,
			    const struct layout *src, int expect)
{
	struct layout dl, want;
	__u64 tags[MAX_SLOTS];
	struct io_uring dst;
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
	/* busy without DST_REPLACE: EBUSY before the source is looked up */
	CHECK_EQ(-EBUSY, clone_files(&dst, src_fd, sflags, 0, 0, 0));
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
	struct io_uring r;

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
	struct io_uring r;
	unsigned int i;
	char c;

	if (ring_init(&r, 4, setup_flags))
		return 1;
	src_layout(&l);
	register_layout(&r, &tf, &l);
	if (write(report, &r.ring_fd, sizeof(r.ring_fd)) != sizeof(r.ring_fd))
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

/* ---------------- SINGLE_ISSUER rings of our own process ---------------- */

#define DEFERRED_DST	(IORING_SETUP_R_DISABLED | \
			 IORING_SETUP_SINGLE_ISSUER | \
			 IORING_SETUP_DEFER_TASKRUN)

/* Another thread of the process: allowed (@expect 0) or EEXIST. */
struct thread_clone {
	struct src_ref src;
	int expect;
};

static void *own_thread_fn(void *arg)
{
	struct thread_clone *tc = arg;

	CTX("thread of the source's process, expecting %d", tc->expect);
	clone_into_dsts(tc->src.fd, 0, tc->src.l, tc->expect);
	clone_into_dsts_registered(tc->src.fd, tc->src.l, tc->expect);
	return NULL;
}

/*
 * A disabled SINGLE_ISSUER source has no submitter yet: any thread may
 * clone from it.  Once enabled, only its submitter may: another thread of
 * the same process gets EEXIST, and both destinations stay as they were.
 */
static void own_single_issuer(void *arg)
{
	unsigned int setup_flags = *(unsigned int *)arg;
	struct thread_clone tc;
	struct layout l;
	struct io_uring src;

	src_layout(&l);
	CHECK_EQ(0, ring_init(&src, 4, setup_flags | IORING_SETUP_R_DISABLED));
	register_layout(&src, &tf, &l);
	tc = (struct thread_clone){ .src = { .fd = src.ring_fd, .l = &l } };
	CHECK_EQ(0, run_thread(own_thread_fn, &tc));

	/* this thread becomes the submitter */
	CHECK_EQ(0, ring_register(&src, IORING_REGISTER_ENABLE_RINGS, NULL, 0));
	tc.expect = -EEXIST;
	CHECK_EQ(0, run_thread(own_thread_fn, &tc));
	CTX("the source's submitter");
	clone_into_dsts(src.ring_fd, 0, &l, 0);
	clone_into_dsts_registered(src.ring_fd, &l, 0);
	expect_no_cqe(&src);
	check_layout(&src, &l);
	ring_exit(&src);
}

/*
 * (a) The source's submitter clones into a disabled SINGLE_ISSUER ring,
 * which has no submitter yet; a worker thread enables it and from then on
 * is its submitter: it reads the cloned files, and the source's submitter
 * can no longer clone into it (EEXIST), which changes nothing.
 */
struct handoff {
	struct io_uring *r;
	const struct layout *l;
	sem_t enabled, tried;
};

static void *handoff_fn(void *arg)
{
	struct handoff *h = arg;

	CTX("worker that enables its ring");
	CHECK_EQ(0, ring_register(h->r, IORING_REGISTER_ENABLE_RINGS, NULL, 0));
	check_layout(h->r, h->l);
	expect_no_cqe(h->r);
	sem_post(&h->enabled);
	sem_wait(&h->tried);
	CTX("worker, after the refused clones");
	expect_no_cqe(h->r);
	check_layout(h->r, h->l);
	check_alloc(h->r, &tf, h->l);
	return NULL;
}

static void handoff_disabled(void *arg)
{
	unsigned int setup_flags = *(unsigned int *)arg;
	struct layout l, want = { .nr = 0 };
	struct handoff h = { .l = &want };
	__u64 tags[MAX_SLOTS];
	struct io_uring src, dst;
	pthread_t t;
	int n;

	src_layout(&l);
	CHECK_EQ(0, ring_init(&src, 4, setup_flags));
	register_layout(&src, &tf, &l);
	CHECK_EQ(0, ring_init(&dst, 16, DEFERRED_DST));
	CTX("the source's submitter, into a disabled ring");
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, 0, 0, 0, 0));
	layout_clone(&want, &l, 0, 0, 0, tags, &n);

	h.r = &dst;
	sem_init(&h.enabled, 0, 0);
	sem_init(&h.tried, 0, 0);
	CHECK_EQ(0, pthread_create(&t, NULL, handoff_fn, &h));
	sem_wait(&h.enabled);
	CTX("the source's submitter, after a worker enabled the destination");
	CHECK_EQ(-EEXIST, clone_files(&dst, src.ring_fd, 0, 0, 0, 0));
	CHECK_EQ(-EEXIST, clone_files(&dst, src.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 0, 0, 0));
	sem_post(&h.tried);
	CHECK_EQ(0, pthread_join(t, NULL));
	sem_destroy(&h.enabled);
	sem_destroy(&h.tried);
	ring_exit(&dst);
	expect_no_cqe(&src);
	check_layout(&src, &l);
	ring_exit(&src);
}

/*
 * (b) The source's submitter fills a template ring without SINGLE_ISSUER
 * with one clone, a direct descriptor included; another thread may clone
 * from the template, and still not from the source.
 */
struct template_refs {
	struct src_ref src, tmpl;
};

static void *template_thread_fn(void *arg)
{
	struct template_refs *t = arg;

	CTX("thread cloning the template");
	clone_into_dsts(t->tmpl.fd, 0, t->tmpl.l, 0);
	clone_into_dsts_registered(t->tmpl.fd, t->tmpl.l, 0);
	CTX("thread cloning the SINGLE_ISSUER source");
	clone_into_dsts(t->src.fd, 0, t->src.l, -EEXIST);
	return NULL;
}

static void template_ring(void *arg)
{
	unsigned int setup_flags = *(unsigned int *)arg;
	struct layout l, want = { .nr = 0 };
	struct template_refs refs;
	__u64 tags[MAX_SLOTS];
	struct io_uring src, tmpl;
	int n;

	src_layout(&l);
	CHECK_EQ(0, ring_init(&src, 4, setup_flags));
	register_layout(&src, &tf, &l);
	/* a direct descriptor in the empty slot 2: no normal fd for it */
	CHECK_EQ(0, open_direct(&src, tf.path[2], O_RDONLY, 2 + 1));
	l.file[2] = 2;
	CHECK_EQ(0, ring_init(&tmpl, 4, 0));
	CHECK_EQ(0, clone_files(&tmpl, src.ring_fd, 0, 0, 0, 0));
	layout_clone(&want, &l, 0, 0, 0, tags, &n);
	check_layout(&tmpl, &want);

	refs = (struct template_refs){
		.src = { .fd = src.ring_fd, .l = &l },
		.tmpl = { .fd = tmpl.ring_fd, .l = &want },
	};
	CHECK_EQ(0, run_thread(template_thread_fn, &refs));
	CTX("template and source after the clones");
	expect_no_cqe(&tmpl);
	check_layout(&tmpl, &want);
	ring_exit(&tmpl);
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

/*
 * Cloned into unrestricted destinations: a source with SQE restrictions or
 * BPF filters, however it got them and whatever its register restrictions
 * allow, is EACCES; register restrictions alone restrict nothing here.
 */
static const struct rcase rcases[] = {
	{ "SQE restrictions only", ON_RING, 2,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "register restrictions only, without CLONE_FILES", ON_RING, 1,
	  { ALLOW_REG(IORING_REGISTER_FILES_UPDATE) }, false,
	  0, TFILE_LEN, TFILE_LEN },
	/* the source's register_op bitmap opens nothing */
	{ "register restrictions allowing CLONE_FILES", ON_RING, 3,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED,
	    ALLOW_REG(IORING_REGISTER_CLONE_FILES) }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "an empty restriction set", ON_RING, 0, { }, false,
	  -EACCES, -EACCES, -EACCES },
	{ "SQE restrictions inherited from a thread's task", TASK_THREAD, 2,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "task register restrictions only, without CLONE_FILES", TASK_THREAD,
	  1, { ALLOW_REG(IORING_REGISTER_FILES2) }, false,
	  0, TFILE_LEN, TFILE_LEN },
	{ "task restrictions allowing CLONE_FILES", TASK_THREAD, 4,
	  { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED,
	    ALLOW_REG(IORING_REGISTER_FILES2),
	    ALLOW_REG(IORING_REGISTER_CLONE_FILES) }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "SQE restrictions inherited from another process's task",
	  TASK_PROCESS, 2, { ALLOW_SQE(IORING_OP_READ), ALLOW_FIXED }, false,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "a BPF filter on the ring", ON_RING, NO_RES, { }, true,
	  -EACCES, TFILE_LEN, -EACCES },
	{ "a BPF filter inherited from a thread's task", TASK_THREAD, NO_RES,
	  { }, true, -EACCES, TFILE_LEN, -EACCES },
	{ "a BPF filter and register restrictions with CLONE_FILES", ON_RING,
	  1, { ALLOW_REG(IORING_REGISTER_CLONE_FILES) }, true,
	  -EACCES, TFILE_LEN, -EACCES },
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
static int make_restricted(const struct rcase *rc, struct io_uring *r)
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
	if (rc->bpf && bpf_allow_read(r->ring_fd))
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
	struct io_uring *r;
	int step;
};

static void *maker_fn(void *arg)
{
	struct maker *m = arg;

	m->step = make_restricted(m->rc, m->r);
	return NULL;	/* the task's restrictions die with the thread */
}

/* Do @res restrict register opcodes, and allow @op? */
static bool res_gates(const struct io_uring_restriction *res, int nr,
		      unsigned int op, bool *allowed)
{
	bool gates = false;
	int i;

	*allowed = false;
	for (i = 0; i < nr; i++) {
		if (res[i].opcode != IORING_RESTRICTION_REGISTER_OP)
			continue;
		gates = true;
		*allowed |= res[i].register_op == op;
	}
	return gates;
}

/* I/O through the source: the allowed opcode works, the others don't. */
static int source_io(const struct rcase *rc, struct io_uring *r)
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
	struct io_uring r;
	char c;

	if (make_restricted(rc, &r))
		return 1;
	if (write(report, &r.ring_fd, sizeof(r.ring_fd)) != sizeof(r.ring_fd))
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
	struct io_uring src;
	bool may_clone;
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
		fd = src.ring_fd;
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

	/*
	 * Into itself: no rule, but its own register restrictions (all of
	 * them for an empty set) gate the call.  Its untagged files replace
	 * themselves.
	 */
	CTX("self clone");
	CHECK_EQ(!rc->nr_res || (res_gates(rc->res, rc->nr_res,
					   IORING_REGISTER_CLONE_FILES,
					   &may_clone) && !may_clone) ?
		 -EACCES : 0,
		 clone_files(&src, src.ring_fd, IORING_REGISTER_DST_REPLACE,
			     0, 0, 0));
	expect_no_cqe(&src);
	CHECK_EQ(0, source_io(rc, &src));
	ring_exit(&src);
}

/* ---------------- rings restricted the same way ---------------- */

enum same_base {
	TASK_SQE,	/* created by one thread under SQE-only task restrictions */
	TASK_BPF,	/* created by one thread under a task cBPF filter */
	RING_SQE,	/* identical SQE restrictions registered on each ring */
	RING_BPF,	/* an identical BPF filter registered on each ring */
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

/*
 * The destination must be at least as restricted as the source and run
 * the source's BPF filter set, if it has one, by identity: one more SQE
 * restriction on the destination is allowed, one more on the source is
 * EACCES, and so is a destination whose filters are its own set.
 */
static const struct scase scases[] = {
	{ "both rings created under SQE task restrictions", TASK_SQE,
	  EXTRA_NONE, 0 },
	{ "SQE task restrictions, destination with an extra BPF filter",
	  TASK_SQE, EXTRA_DST_BPF, 0 },
	{ "SQE task restrictions, source with an extra BPF filter",
	  TASK_SQE, EXTRA_SRC_BPF, -EACCES },
	{ "both rings created under a task BPF filter", TASK_BPF,
	  EXTRA_NONE, 0 },
	{ "task BPF filter, destination with an extra BPF filter (a set of its "
	  "own)", TASK_BPF, EXTRA_DST_BPF, -EACCES },
	{ "task BPF filter, source with an extra BPF filter", TASK_BPF,
	  EXTRA_SRC_BPF, -EACCES },
	{ "task BPF filter, destination with SQE restrictions too", TASK_BPF,
	  EXTRA_DST_SQE, 0 },
	{ "task BPF filter, source with SQE restrictions too", TASK_BPF,
	  EXTRA_SRC_SQE, -EACCES },
	{ "identical SQE restrictions registered on both rings", RING_SQE,
	  EXTRA_NONE, 0 },
	{ "ring SQE restrictions, destination allowing one more opcode",
	  RING_SQE, EXTRA_DST_SQE, -EACCES },
	{ "ring SQE restrictions, source allowing one more opcode",
	  RING_SQE, EXTRA_SRC_SQE, 0 },
	{ "identical BPF filters registered on both rings (two sets)",
	  RING_BPF, EXTRA_NONE, -EACCES },
};

struct same_rings {
	const struct scase *sc;
	struct io_uring src, empty, full; /* full: a populated destination */
	struct layout sl, fl;
	int step;			/* 0, or the step that failed */
};

/* One ring of a case; @extra: this ring gets the case's extra restriction. */
static int same_ring(const struct scase *sc, struct io_uring *r, bool extra)
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
	if ((bpf_extra || sc->base == RING_BPF) && bpf_allow_read(r->ring_fd))
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

	if (sc->base == RING_SQE || sc->base == RING_BPF)
		same_maker_fn(&sr);
	else
		CHECK_EQ(0, run_thread(same_maker_fn, &sr));
	CHECK_EQ(0, sr.step);

	/* a destination without a table */
	CTX("table-less destination");
	CHECK_EQ(sc->expect,
		 clone_files(&sr.empty, sr.src.ring_fd, 0, 0, 0, 0));
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
	CHECK_EQ(-EBUSY, clone_files(&sr.full, sr.src.ring_fd, 0, 0, 0, 0));
	CHECK_EQ(sc->expect, clone_files(&sr.full, sr.src.ring_fd,
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
	CHECK_EQ(sc->base == RING_SQE && sc->extra == EXTRA_SRC_SQE ?
		 TFILE_LEN : -EACCES,
		 fixed_write(&sr.src, 0, buf, TFILE_LEN, 0));
	ring_exit(&sr.src);
}

/* ------------- restricted source, restricted destination ------------- */

#define ALLOW_FLAGS(f)	{ .opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED, \
			  .sqe_flags = (f) }
#define REQUIRE_FIXED	{ .opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED, \
			  .sqe_flags = IOSQE_FIXED_FILE }
#define SQE_R		ALLOW_SQE(IORING_OP_READ)
#define SQE_W		ALLOW_SQE(IORING_OP_WRITE)

/*
 * Both rings restricted with IORING_REGISTER_RESTRICTIONS.  Every ring
 * allows fixed reads and, with register restrictions, FILES_UPDATE2, so
 * that its table can be checked; an enabled destination with register
 * restrictions allows CLONE_FILES, or it could not issue the clone.
 */
struct pcase {
	const char *name;
	int src_nr, dst_nr;
	struct io_uring_restriction src_res[5], dst_res[5];
	bool dst_disabled;	/* cloned into while still disabled */
	int expect;
	int src_write, dst_write;	/* fixed WRITE, dst: after a clone */
};

static const struct pcase pcases[] = {
	{ "narrower destination (READ of the source's READ and WRITE)",
	  3, 2, { SQE_R, SQE_W, ALLOW_FIXED }, { SQE_R, ALLOW_FIXED },
	  false, 0, TFILE_LEN, -EACCES },
	{ "wider destination (READ and WRITE, the source READ only)",
	  2, 3, { SQE_R, ALLOW_FIXED }, { SQE_R, SQE_W, ALLOW_FIXED },
	  false, -EACCES, -EACCES, TFILE_LEN },
	{ "destination allowing IOSQE_ASYNC, the source not",
	  2, 2, { SQE_R, ALLOW_FIXED },
	  { SQE_R, ALLOW_FLAGS(IOSQE_FIXED_FILE | IOSQE_ASYNC) },
	  false, -EACCES, -EACCES, -EACCES },
	{ "destination without the source's IOSQE_ASYNC",
	  2, 2, { SQE_R, ALLOW_FLAGS(IOSQE_FIXED_FILE | IOSQE_ASYNC) },
	  { SQE_R, ALLOW_FIXED }, false, 0, -EACCES, -EACCES },
	{ "source requiring IOSQE_FIXED_FILE, destination allowing it",
	  2, 2, { SQE_R, REQUIRE_FIXED }, { SQE_R, ALLOW_FIXED },
	  false, -EACCES, -EACCES, -EACCES },
	{ "destination requiring IOSQE_FIXED_FILE, source allowing it",
	  2, 2, { SQE_R, ALLOW_FIXED }, { SQE_R, REQUIRE_FIXED },
	  false, 0, -EACCES, -EACCES },
	/* the register opcodes play no part */
	{ "source register restrictions allowing CLONE_FILES, destination none",
	  4, 2, { SQE_R, ALLOW_FIXED,
		  ALLOW_REG(IORING_REGISTER_FILES_UPDATE2),
		  ALLOW_REG(IORING_REGISTER_CLONE_FILES) },
	  { SQE_R, ALLOW_FIXED }, false, 0, -EACCES, -EACCES },
	{ "destination register opcodes a subset of the source's",
	  5, 4, { SQE_R, ALLOW_FIXED,
		  ALLOW_REG(IORING_REGISTER_FILES_UPDATE2),
		  ALLOW_REG(IORING_REGISTER_CLONE_FILES),
		  ALLOW_REG(IORING_UNREGISTER_FILES) },
	  { SQE_R, ALLOW_FIXED, ALLOW_REG(IORING_REGISTER_FILES_UPDATE2),
	    ALLOW_REG(IORING_REGISTER_CLONE_FILES) },
	  false, 0, -EACCES, -EACCES },
	{ "destination allowing a register opcode the source does not",
	  4, 5, { SQE_R, ALLOW_FIXED,
		  ALLOW_REG(IORING_REGISTER_FILES_UPDATE2),
		  ALLOW_REG(IORING_REGISTER_CLONE_FILES) },
	  { SQE_R, ALLOW_FIXED, ALLOW_REG(IORING_REGISTER_FILES_UPDATE2),
	    ALLOW_REG(IORING_REGISTER_CLONE_FILES),
	    ALLOW_REG(IORING_UNREGISTER_FILES) },
	  false, 0, -EACCES, -EACCES },
	/* a disabled ring is exempt from its own register restrictions */
	{ "disabled destination restricted as the source, without CLONE_FILES",
	  3, 3, { SQE_R, ALLOW_FIXED,
		  ALLOW_REG(IORING_REGISTER_FILES_UPDATE2) },
	  { SQE_R, ALLOW_FIXED, ALLOW_REG(IORING_REGISTER_FILES_UPDATE2) },
	  true, 0, -EACCES, -EACCES },
};

/* Restricts the disabled ring @r, and enables it if @enable. */
static void restrict_ring(struct io_uring *r,
			  const struct io_uring_restriction *res, int nr,
			  bool enable)
{
	CHECK_EQ(0, ring_register(r, IORING_REGISTER_RESTRICTIONS, res, nr));
	if (enable)
		CHECK_EQ(0, ring_register(r, IORING_REGISTER_ENABLE_RINGS,
					  NULL, 0));
}

static void restricted_pair(void *arg)
{
	const struct pcase *pc = arg;
	struct layout sl, fl, want, none = { .nr = 0 };
	struct io_uring src, empty, full;
	__u64 tags[MAX_SLOTS];
	char buf[TFILE_LEN];
	bool may_clone;
	int n = 0;

	src_layout(&sl);
	CHECK_EQ(0, ring_init(&src, 8, IORING_SETUP_R_DISABLED));
	register_layout(&src, &tf, &sl);
	restrict_ring(&src, pc->src_res, pc->src_nr, true);
	CHECK_EQ(0, ring_init(&empty, 16, IORING_SETUP_R_DISABLED));
	restrict_ring(&empty, pc->dst_res, pc->dst_nr, !pc->dst_disabled);
	CHECK_EQ(0, ring_init(&full, 16, IORING_SETUP_R_DISABLED));
	fill_dst(&full, &fl);
	restrict_ring(&full, pc->dst_res, pc->dst_nr, !pc->dst_disabled);

	CTX("table-less destination");
	CHECK_EQ(pc->expect, clone_files(&empty, src.ring_fd, 0, 0, 0, 0));
	CTX("populated destination");
	CHECK_EQ(-EBUSY, clone_files(&full, src.ring_fd, 0, 0, 0, 0));
	CHECK_EQ(pc->expect, clone_files(&full, src.ring_fd,
					 IORING_REGISTER_DST_REPLACE, 0, 0, 0));
	if (pc->dst_disabled) {
		CTX("destinations enabled after the clones");
		CHECK_EQ(0, ring_register(&empty, IORING_REGISTER_ENABLE_RINGS,
					  NULL, 0));
		CHECK_EQ(0, ring_register(&full, IORING_REGISTER_ENABLE_RINGS,
					  NULL, 0));
		/* now their own register restrictions gate the call */
		if (res_gates(pc->dst_res, pc->dst_nr,
			      IORING_REGISTER_CLONE_FILES, &may_clone) &&
		    !may_clone) {
			CHECK_EQ(-EACCES, clone_files(&empty, src.ring_fd,
				 IORING_REGISTER_DST_REPLACE, 0, 0, 0));
			CHECK_EQ(-EACCES, clone_files(&full, src.ring_fd,
				 IORING_REGISTER_DST_REPLACE, 0, 0, 0));
		}
	}

	CTX("table-less destination, checked");
	want = none;
	if (!pc->expect)
		layout_clone(&want, &sl, 0, 0, 0, tags, &n);
	expect_no_cqe(&empty);
	check_layout(&empty, &want);
	CTX("populated destination, checked");
	want = fl;
	n = 0;
	if (!pc->expect)
		layout_clone(&want, &sl, 0, 0, 0, tags, &n);
	expect_tags(&full, tags, n);
	check_layout(&full, &want);
	/* the destinations' restrictions hold for the cloned files */
	tfile_content(0, buf);
	if (!pc->expect) {
		CHECK_EQ(pc->dst_write,
			 fixed_write(&empty, 0, buf, TFILE_LEN, 0));
		CHECK_EQ(pc->dst_write,
			 fixed_write(&full, 0, buf, TFILE_LEN, 0));
	}
	ring_exit(&full);
	ring_exit(&empty);

	/* the source is unchanged, its restrictions still hold */
	CTX("source");
	expect_no_cqe(&src);
	check_layout(&src, &sl);
	CHECK_EQ(pc->src_write, fixed_write(&src, 0, buf, TFILE_LEN, 0));
	ring_exit(&src);
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
	struct io_uring src, dst;

	src_layout(&l);
	CHECK_EQ(0, ring_init(&src, 4, 0));
	register_layout(&src, &tf, &l);
	CHECK_EQ(0, ring_init(&dst, 8, IORING_SETUP_R_DISABLED));
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_RESTRICTIONS, res,
				  allow ? 2 : 1));
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_ENABLE_RINGS, NULL, 0));
	CHECK_EQ(allow ? 0 : -EACCES,
		 clone_files(&dst, src.ring_fd, 0, 0, 0, 0));
	check_layout(&dst, allow ? &l : &none);
	expect_no_cqe(&dst);
	ring_exit(&dst);
	check_layout(&src, &l);
	ring_exit(&src);
}

/* ---------------- CLONE_BUFFERS: the same rule ---------------- */

struct bcase {
	const char *name;
	int nr_res;		/* the source's restrictions, 0: none */
	struct io_uring_restriction res[1];
	bool bpf;		/* a BPF filter on the source */
	bool dst_same;		/* the destination restricted the same */
	int expect;
};

static const struct bcase bcases[] = {
	{ "SQE restrictions, into an unrestricted ring", 1,
	  { ALLOW_SQE(IORING_OP_READ_FIXED) }, false, false, -EACCES },
	{ "SQE restrictions, into a ring restricted the same", 1,
	  { ALLOW_SQE(IORING_OP_READ_FIXED) }, false, true, 0 },
	{ "register restrictions only, into an unrestricted ring", 1,
	  { ALLOW_REG(IORING_REGISTER_BUFFERS) }, false, false, 0 },
	{ "a BPF filter, into an unrestricted ring", 0, { }, true, false,
	  -EACCES },
};

/* A buffer of the source in the destination, or none; EACCES changes none. */
static void restricted_buffers(void *arg)
{
	static char buf[4096] __attribute__((aligned(4096)));
	const struct bcase *bc = arg;
	struct iovec iov = { buf, sizeof(buf) };
	struct io_uring src, dst;

	CHECK_EQ(0, ring_init(&src, 4, IORING_SETUP_R_DISABLED));
	CHECK_EQ(0, ring_register(&src, IORING_REGISTER_BUFFERS, &iov, 1));
	if (bc->nr_res)
		restrict_ring(&src, bc->res, bc->nr_res, false);
	if (bc->bpf)
		CHECK_EQ(0, bpf_allow_read(src.ring_fd));
	CHECK_EQ(0, ring_register(&src, IORING_REGISTER_ENABLE_RINGS, NULL, 0));
	CHECK_EQ(0, ring_init(&dst, 4, IORING_SETUP_R_DISABLED));
	if (bc->dst_same)
		restrict_ring(&dst, bc->res, bc->nr_res, false);
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_ENABLE_RINGS, NULL, 0));

	CHECK_EQ(bc->expect, clone_rsrc(&dst, IORING_REGISTER_CLONE_BUFFERS,
					src.ring_fd, 0, 0, 0, 0));
	/* unregistering says whether there is a table */
	CHECK_EQ(bc->expect ? -ENXIO : 0,
		 ring_register(&dst, IORING_UNREGISTER_BUFFERS, NULL, 0));
	ring_exit(&dst);
	ring_exit(&src);
}

int main(void)
{
	static unsigned int single = IORING_SETUP_SINGLE_ISSUER;
	static unsigned int deferred = IORING_SETUP_SINGLE_ISSUER |
				       IORING_SETUP_DEFER_TASKRUN;
	static bool no = false, yes = true;
	char name[200];
	unsigned int i;

	stress_init();
	tfiles_create(&tf, 16);
	run_test("hostile: SINGLE_ISSUER source of another process: EEXIST",
		 foreign_single_issuer, &single, 120);
	run_test("hostile: DEFER_TASKRUN source of another process: EEXIST",
		 foreign_single_issuer, &deferred, 120);
	run_test("hostile: SINGLE_ISSUER source: its submitter only, another thread EEXIST",
		 own_single_issuer, &single, 120);
	run_test("hostile: DEFER_TASKRUN source: its submitter only, another thread EEXIST",
		 own_single_issuer, &deferred, 120);
	run_test("hostile: (a) SINGLE_ISSUER source into a disabled ring a thread enables",
		 handoff_disabled, &single, 120);
	run_test("hostile: (a) DEFER_TASKRUN source into a disabled ring a thread enables",
		 handoff_disabled, &deferred, 120);
	run_test("hostile: (b) SINGLE_ISSUER source, a thread clones its template ring",
		 template_ring, &single, 120);
	run_test("hostile: (b) DEFER_TASKRUN source, a thread clones its template ring",
		 template_ring, &deferred, 120);
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
	for (i = 0; i < ARRAY_SIZE(pcases); i++) {
		snprintf(name, sizeof(name), "hostile: both restricted, %s: %s",
			 pcases[i].name, pcases[i].expect ? "EACCES" : "allowed");
		run_test(name, restricted_pair, (void *)&pcases[i], 120);
	}
	for (i = 0; i < ARRAY_SIZE(bcases); i++) {
		snprintf(name, sizeof(name), "hostile: CLONE_BUFFERS, source "
			 "with %s: %s", bcases[i].name,
			 bcases[i].expect ? "EACCES" : "allowed");
		run_test(name, restricted_buffers, (void *)&bcases[i], 120);
	}
	run_test("hostile: destination restricted without CLONE_FILES: EACCES",
		 restricted_destination, &no, 120);
	run_test("hostile: destination restricted with CLONE_FILES: allowed",
		 restricted_destination, &yes, 120);
	tfiles_destroy(&tf);
	return summary();
}
