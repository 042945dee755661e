// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency around IORING_REGISTER_CLONE_FILES, each race bounded by an
 * iteration count and a time cap (both printed):
 *  (a) clones A->B and B->A (DST_REPLACE) at the same time;
 *  (b) clones while another thread changes the source table (FILES_UPDATE2,
 *      direct opens and closes) and reads through it;
 *  (c) DST_REPLACE clones over slots with reads in flight, completed by a
 *      writer thread racing the clone: every CQE exactly once, right result;
 *  (d) the thread owning the source closes its fd and exits while another
 *      thread clones from a dup()ed fd or a registered ring index; when
 *      the owner's ring is SINGLE_ISSUER, the clones come from a template
 *      ring without SINGLE_ISSUER that the owner filled from it, and the
 *      clones straight from the owner's ring, racing its exit, are EEXIST;
 *  (e) 8 workers clone one template ring, filled from a SINGLE_ISSUER
 *      source by its submitter, into their own rings at once, then do
 *      I/O, while the submitter reads through the source and refills the
 *      template from it; every third worker's ring was created disabled
 *      and cloned into by the submitter, and the worker enables it first;
 *      all get EEXIST from the source itself;
 *  (f) two threads clone into one destination while a third registers,
 *      unregisters, updates and direct-opens/closes the destination's table
 *      (the clone drops the destination's lock to take both in order);
 *  (g) a clone into a disabled SINGLE_ISSUER|DEFER_TASKRUN destination
 *      waits for the source's lock, held by a long FILES_UPDATE2, while
 *      another thread enables the destination and so becomes its only
 *      allowed submitter.  The kernel rechecks the destination's submitter
 *      once it holds both locks: the clone either ran before the enabling
 *      (success) or fails with EEXIST, and never posts the replaced slots'
 *      tag CQEs from the wrong task (the kernel's lockdep check on the CQ
 *      would put a WARNING in the log, which fails the run).  The new
 *      submitter then checks the destination: the clone's result, or the
 *      table exactly as before.
 *  (h) the source changes under the clone: one thread unregisters the
 *      source's table and registers it again from freshly opened fds of the
 *      other generation of files, another sends files into single source
 *      slots with MSG_RING SEND_FD from a sender ring, a third keeps fixed
 *      reads in flight on the source, while two threads clone the whole
 *      table into their own rings (plain and DEFER_TASKRUN, with and
 *      without DST_REPLACE, by fd, dup()ed fd or registered index).  Every
 *      clone gets the whole table of one generation, with only files the
 *      sender sent in place of some slots, or ENXIO; EBUSY exactly when
 *      the destination has a table and DST_REPLACE is not given; a refused
 *      clone leaves the destination as it was.
 * Each race ends with a reference check: the write end of a pipe is put in
 * the source table and cloned around; once every table, ring and fd holding
 * it is gone, the read end must see EOF.
 */

#include "stress.h"
#include <semaphore.h>

#define EOF_TIMEOUT_MS	5000

static double time_cap = 30.0;	/* seconds per race, -t */
static unsigned int iter_scale = 1;	/* -i: multiplies the iterations */

/* Stops a loop after @iters iterations or the time cap. */
struct bound {
	unsigned int iters, done;
	double t0;
};

static void bound_start(struct bound *b, unsigned int iters)
{
	b->iters = iters * iter_scale;
	b->done = 0;
	b->t0 = now_s();
}

static bool bound_more(struct bound *b)
{
	return b->done < b->iters && now_s() - b->t0 < time_cap;
}

static void bound_report(const char *what, struct bound *b)
{
	printf("  %s: %u of %u iterations in %.1f s (cap %.0f s)\n", what,
	       b->done, b->iters, now_s() - b->t0, time_cap);
}

static void check_eof(int rfd)
{
	CHECK_EQ(0, wait_eof(rfd, EOF_TIMEOUT_MS));
	close(rfd);
}

/* ---------------- (a) A->B and B->A at the same time ---------------- */

#define A_SLOTS	16

struct pingpong {
	struct io_uring *dst;
	int src_fd;
	struct bound b;
	pthread_barrier_t *start;
};

static void *pingpong_fn(void *arg)
{
	struct pingpong *pp = arg;

	pthread_barrier_wait(pp->start);
	while (bound_more(&pp->b)) {
		CHECK_EQ(0, clone_files(pp->dst, pp->src_fd,
					IORING_REGISTER_DST_REPLACE, 0, 0, 0));
		pp->b.done++;
	}
	return NULL;
}

static void race_pingpong(void *arg)
{
	struct layout la = { .nr = A_SLOTS }, lb = { .nr = A_SLOTS };
	struct io_uring a, b;
	struct pingpong ab = { .dst = &b }, ba = { .dst = &a };
	pthread_barrier_t start;
	pthread_t t1, t2;
	__u64 tags[MAX_SLOTS];
	struct tfiles tf;
	int sp[2], fds[A_SLOTS], i, n;

	(void)arg;
	tfiles_create(&tf, 2 * A_SLOTS);
	sentinel_pipe(sp);
	CHECK_EQ(0, ring_init(&a, 16, 0));
	CHECK_EQ(0, ring_init(&b, 16, 0));
	for (i = 0; i < A_SLOTS; i++) {
		la.file[i] = i % 5 == 3 ? EMPTY : i;
		la.tag[i] = 0xa000 + i;
		lb.file[i] = i % 4 == 1 ? EMPTY : A_SLOTS + i;
		lb.tag[i] = 0xb000 + i;
	}
	register_layout(&a, &tf, &la);
	register_layout(&b, &tf, &lb);
	/* the sentinel goes into A's empty slot 3, untagged */
	fds[0] = sp[1];
	CHECK_EQ(1, io_uring_register_files_update_tag(&a, 3, fds, NULL, 1));

	ab.src_fd = a.ring_fd;
	ba.src_fd = b.ring_fd;
	bound_start(&ab.b, 8000);
	bound_start(&ba.b, 8000);
	pthread_barrier_init(&start, NULL, 2);
	ab.start = ba.start = &start;
	CHECK_EQ(0, pthread_create(&t1, NULL, pingpong_fn, &ab));
	CHECK_EQ(0, pthread_create(&t2, NULL, pingpong_fn, &ba));
	CHECK_EQ(0, pthread_join(t1, NULL));
	CHECK_EQ(0, pthread_join(t2, NULL));
	bound_report("A->B clones", &ab.b);
	bound_report("B->A clones", &ba.b);
	CHECK(ab.b.done > 0 && ba.b.done > 0);

	/* each ring's own tags were posted exactly once, by its first clone */
	expect_tags(&a, tags, layout_tags(&la, tags));
	expect_tags(&b, tags, layout_tags(&lb, tags));
	/* both hold the same table now: A's or B's original */
	for (i = 0; i < A_SLOTS; i++) {
		n = slot_file(&a, i);
		CHECK_EQ(n, slot_file(&b, i));
		CHECK(n == slot_expect(la.file[i]) ||
		      n == slot_expect(lb.file[i]));
	}
	/* cloned slots carry no tag: nothing is posted any more */
	CHECK_EQ(0, io_uring_unregister_files(&a));
	CHECK_EQ(0, io_uring_unregister_files(&b));
	expect_no_cqe(&a);
	expect_no_cqe(&b);
	ring_exit(&a);
	ring_exit(&b);
	close(sp[1]);
	check_eof(sp[0]);
	tfiles_destroy(&tf);
}

/* ------------- (b) clones while the source table changes ------------- */

#define B_SLOTS	32
#define B_FILES	16

struct updater {
	struct io_uring *src;
	struct tfiles *tf;
	int sentinel;
	volatile bool stop;
	unsigned int updates, opens, closes, reads;
};

static void *updater_fn(void *arg)
{
	struct updater *u = arg;
	char buf[TFILE_LEN];
	int fd, ret;
	__u64 tag;

	while (!u->stop) {
		unsigned int slot = rnd(B_SLOTS);

		switch (rnd(4)) {
		case 0:
			fd = rnd(8) ? u->tf->fd[rnd(B_FILES)] :
			     rnd(2) ? -1 : u->sentinel;
			tag = fd >= 0 && rnd(2) ? 0x7a6000 + rnd(1000) : 0;
			CHECK_EQ(1, io_uring_register_files_update_tag(u->src,
						slot, &fd, &tag, 1));
			u->updates++;
			break;
		case 1:
			ret = open_direct(u->src, u->tf->path[rnd(B_FILES)],
					  O_RDONLY, rnd(2) ? slot + 1 :
					  IORING_FILE_INDEX_ALLOC);
			CHECK(ret >= 0 || ret == -ENFILE);
			u->opens++;
			break;
		case 2:
			ret = close_direct(u->src, slot);
			CHECK(ret == 0 || ret == -EBADF);
			u->closes++;
			break;
		default:
			ret = fixed_read(u->src, slot, buf, TFILE_LEN, 0);
			CHECK(ret == TFILE_LEN || ret == -EBADF);
			u->reads++;
			break;
		}
	}
	return NULL;
}

/* Every slot of @dst in [off, off + nr) holds a test file or reads -EBADF. */
static void check_plausible(struct io_uring *dst, unsigned int off,
			    unsigned int nr)
{
	unsigned int i;
	int f;

	for (i = off; i < off + nr; i++) {
		f = slot_file(dst, i);
		if (f != -EBADF && (f < 0 || f >= B_FILES))
			die_at(__FILE__, __LINE__, "slot %u reads %d", i, f);
	}
}

static void race_source_updates(void *arg)
{
	struct updater u = { 0 };
	struct io_uring src, dst;
	struct bound b;
	struct tfiles tf;
	pthread_t t;
	int sp[2], i;

	(void)arg;
	tfiles_create(&tf, B_FILES);
	sentinel_pipe(sp);
	CHECK_EQ(0, ring_init(&src, 16, 0));	/* plain: two threads use it */
	CHECK_EQ(0, ring_init(&dst, 16, 0));
	CHECK_EQ(0, io_uring_register_files_sparse(&src, B_SLOTS));
	u.src = &src;
	u.tf = &tf;
	u.sentinel = sp[1];
	CHECK_EQ(0, pthread_create(&t, NULL, updater_fn, &u));

	bound_start(&b, 3000);
	while (bound_more(&b)) {
		unsigned int off = rnd(B_SLOTS), nr = 1 + rnd(B_SLOTS - off);
		unsigned int doff = rnd(B_SLOTS - nr + 1);

		CTX("clone %u", b.done);
		switch (rnd(4)) {
		case 0:	/* a fresh table */
			io_uring_unregister_files(&dst);
			CHECK_EQ(0, clone_files(&dst, src.ring_fd, 0, 0, 0, 0));
			check_size(&dst, B_SLOTS);
			break;
		case 1:
			CHECK_EQ(0, clone_files(&dst, src.ring_fd,
						IORING_REGISTER_DST_REPLACE,
						0, 0, 0));
			break;
		default:
			CHECK_EQ(0, clone_files(&dst, src.ring_fd,
						IORING_REGISTER_DST_REPLACE,
						off, doff, nr));
			check_plausible(&dst, doff, nr);
			break;
		}
		b.done++;
	}
	u.stop = true;
	CHECK_EQ(0, pthread_join(t, NULL));
	bound_report("clones", &b);
	printf("  while the source saw %u updates, %u direct opens, "
	       "%u direct closes, %u reads\n", u.updates, u.opens, u.closes,
	       u.reads);
	CTX("quiescent");

	/* quiescent: a whole clone is an exact copy */
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, IORING_REGISTER_DST_REPLACE,
				0, 0, 0));
	for (i = 0; i < B_SLOTS; i++)
		CHECK_EQ(slot_file(&src, i), slot_file(&dst, i));
	expect_no_cqe(&dst);

	CHECK_EQ(0, io_uring_unregister_files(&src));
	ring_exit(&src);
	ring_exit(&dst);
	close(sp[1]);
	check_eof(sp[0]);
	tfiles_destroy(&tf);
}

/* ------------- (c) DST_REPLACE over slots with reads in flight ------------- */

#define C_SLOTS		16
#define C_PIPES		8	/* slots 0..7: pipes, 8..15: files */
#define C_MSG_LEN	16

#define RD_DATA(it, s)	(0x4ead00000000ULL | ((__u64)(it) << 8) | (s))
#define PIPE_TAG(it, s)	(0x7a9000000000ULL | ((__u64)(it) << 8) | (s))

struct writer {
	int fd[C_PIPES];
	unsigned int it;
	pthread_barrier_t *start;
};

static void pipe_msg(unsigned int it, unsigned int s, char *msg)
{
	char tmp[C_MSG_LEN + 8];

	snprintf(tmp, sizeof(tmp), "m%07u-%02u.....", it % 10000000, s % 100);
	memcpy(msg, tmp, C_MSG_LEN);
}

/* Completes the reads in a random order, racing the clone. */
static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	char msg[C_MSG_LEN];
	int order[C_PIPES], i, j, tmp;

	for (i = 0; i < C_PIPES; i++)
		order[i] = i;
	for (i = C_PIPES - 1; i > 0; i--) {
		j = rnd(i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	pthread_barrier_wait(w->start);
	for (i = 0; i < C_PIPES; i++) {
		if (rnd(2))
			usleep(rnd(200));
		pipe_msg(w->it, order[i], msg);
		CHECK_EQ(C_MSG_LEN, write(w->fd[order[i]], msg, C_MSG_LEN));
	}
	return NULL;
}

static void race_inflight(void *arg)
{
	unsigned int setup_flags = *(unsigned int *)arg;
	struct layout src_l = { .nr = C_SLOTS };
	char bufs[C_PIPES][C_MSG_LEN], msg[C_MSG_LEN];
	__u64 tag[C_SLOTS] = { 0 }, want_tags[C_SLOTS];
	int file[C_SLOTS], fds[C_SLOTS], sp[2], p[C_PIPES][2];
	struct io_uring src, dst;
	pthread_barrier_t start;
	struct bound b;
	struct tfiles tf;
	unsigned int it, i, s;
	int nr_tags;

	tfiles_create(&tf, 2 * C_SLOTS);
	sentinel_pipe(sp);
	CHECK_EQ(0, ring_init(&src, 16, 0));
	CHECK_EQ(0, ring_init(&dst, 64, setup_flags));
	for (i = 0; i < C_SLOTS; i++)
		src_l.file[i] = i;
	register_layout(&src, &tf, &src_l);
	/* the sentinel replaces source slot 15: a clone carries it along */
	fds[0] = sp[1];
	CHECK_EQ(1, io_uring_register_files_update_tag(&src, C_SLOTS - 1, fds,
						       NULL, 1));
	src_l.file[C_SLOTS - 1] = SENTINEL;

	/* destination: pipes come per iteration, files 16.. in slots 8.. */
	for (i = 0; i < C_SLOTS; i++) {
		file[i] = i < C_PIPES ? EMPTY : (int)(C_SLOTS + i);
		fds[i] = i < C_PIPES ? -1 : tf.fd[file[i]];
		tag[i] = i < C_PIPES ? 0 : 0xf11e000 + i;
	}
	CHECK_EQ(0, io_uring_register_files_tags(&dst, fds, tag, C_SLOTS));
	pthread_barrier_init(&start, NULL, 2);

	bound_start(&b, 600);
	for (it = 0; bound_more(&b); it++, b.done++) {
		struct writer w = { .it = it, .start = &start };
		unsigned int doff = rnd(C_SLOTS), nr = 1 + rnd(C_SLOTS - doff);
		unsigned int soff = rnd(C_SLOTS - nr + 1), got_reads = 0;
		bool read_done[C_PIPES] = { false };
		__u64 new_tags[C_PIPES];
		pthread_t t;

		CTX("iteration %u, clone src %u dst %u nr %u", it, soff, doff, nr);
		/* fresh pipes in slots 0..7, tagged; replaced tags post now */
		nr_tags = 0;
		for (s = 0; s < C_PIPES; s++) {
			CHECK_EQ(0, pipe2(p[s], O_CLOEXEC));
			fds[s] = p[s][0];
			w.fd[s] = p[s][1];
			new_tags[s] = PIPE_TAG(it, s);
			if (tag[s])
				want_tags[nr_tags++] = tag[s];
			tag[s] = new_tags[s];
			file[s] = EMPTY;
		}
		CHECK_EQ(C_PIPES, io_uring_register_files_update_tag(&dst, 0,
						fds, new_tags, C_PIPES));
		expect_tags(&dst, want_tags, nr_tags);

		/* blocking reads on every pipe slot, some through io-wq */
		for (s = 0; s < C_PIPES; s++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&dst);

			CHECK(sqe != NULL);
			io_uring_prep_read(sqe, s, bufs[s], C_MSG_LEN, -1ULL);
			sqe->flags = IOSQE_FIXED_FILE | (rnd(2) ? IOSQE_ASYNC : 0);
			sqe->user_data = RD_DATA(it, s);
			memset(bufs[s], 0, C_MSG_LEN);
		}
		CHECK_EQ(C_PIPES, io_uring_submit(&dst));

		/* the clone races the writer completing the reads */
		CHECK_EQ(0, pthread_create(&t, NULL, writer_fn, &w));
		pthread_barrier_wait(&start);
		CHECK_EQ(0, clone_files(&dst, src.ring_fd,
					IORING_REGISTER_DST_REPLACE, soff, doff,
					nr));
		CHECK_EQ(0, pthread_join(t, NULL));

		nr_tags = 0;
		for (i = 0; i < nr; i++) {
			s = doff + i;
			if (tag[s])
				want_tags[nr_tags++] = tag[s];
			tag[s] = 0;
			file[s] = src_l.file[soff + i];
		}

		/* every read exactly once with its message; the tags once */
		while (got_reads < C_PIPES || nr_tags) {
			struct io_uring_cqe cqe;

			CHECK_EQ(0, wait_cqe(&dst, &cqe));
			if ((cqe.user_data >> 32) == (RD_DATA(0, 0) >> 32)) {
				s = cqe.user_data & 0xff;
				CHECK_EQ(RD_DATA(it, s), cqe.user_data);
				CHECK_EQ(C_MSG_LEN, cqe.res);
				pipe_msg(it, s, msg);
				CHECK(!memcmp(msg, bufs[s], C_MSG_LEN));
				CHECK(!read_done[s]);
				read_done[s] = true;
				got_reads++;
				continue;
			}
			CHECK_EQ(0, cqe.res);
			/* a slot's old node outlives the read that uses it */
			if ((cqe.user_data & ~0xffULL) == PIPE_TAG(it, 0))
				CHECK(read_done[cqe.user_data & 0xff]);
			for (i = 0; i < (unsigned int)nr_tags; i++)
				if (want_tags[i] == cqe.user_data)
					break;
			if (i == (unsigned int)nr_tags)
				die_at(__FILE__, __LINE__, "unexpected CQE 0x%llx",
				       (unsigned long long)cqe.user_data);
			want_tags[i] = want_tags[--nr_tags];
		}
		expect_no_cqe(&dst);
		for (s = 0; s < C_PIPES; s++) {
			close(p[s][0]);
			close(p[s][1]);
		}
		/* slots that are no pipe now hold what the model says */
		if (it % 16 == 0)
			for (s = 0; s < C_SLOTS; s++)
				if (s >= C_PIPES || !tag[s])
					CHECK_EQ(slot_expect(file[s]),
						 slot_file(&dst, s));
	}
	bound_report("clones over in-flight reads", &b);

	nr_tags = 0;
	for (s = 0; s < C_SLOTS; s++)
		if (tag[s])
			want_tags[nr_tags++] = tag[s];
	CHECK_EQ(0, io_uring_unregister_files(&dst));
	expect_tags(&dst, want_tags, nr_tags);
	ring_exit(&dst);
	CHECK_EQ(0, io_uring_unregister_files(&src));
	ring_exit(&src);
	close(sp[1]);
	check_eof(sp[0]);
	tfiles_destroy(&tf);
}

/* ------- (d) the source's owner closes it and exits during clones ------- */

#define D_SLOTS	8

struct owner {
	unsigned int setup_flags;
	const struct tfiles *tf;
	int sentinel;
	int dup_fd;		/* the ring to clone from */
	int issuer_fd;		/* the owner's SINGLE_ISSUER ring, or -1 */
	unsigned int delay_us;
	sem_t ready;
	volatile bool gone;
};

static void d_layout(struct layout *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = D_SLOTS;
	for (i = 0; i < D_SLOTS; i++)
		l->file[i] = i == 2 ? EMPTY : (int)i;
}

static void *owner_fn(void *arg)
{
	struct owner *o = arg;
	struct io_uring r, tmpl;
	struct layout l;
	int fd = o->sentinel;

	CHECK_EQ(0, ring_init(&r, 4, o->setup_flags));
	d_layout(&l);
	register_layout(&r, o->tf, &l);
	CHECK_EQ(1, io_uring_register_files_update_tag(&r, D_SLOTS - 1, &fd,
						       NULL, 1));
	ring_clear(&tmpl);
	if (o->setup_flags & IORING_SETUP_SINGLE_ISSUER) {
		/* only we may clone from it: into a template anyone may */
		CHECK_EQ(0, ring_init(&tmpl, 4, 0));
		CHECK_EQ(0, clone_files(&tmpl, r.ring_fd, 0, 0, 0, 0));
		o->issuer_fd = dup(r.ring_fd);
		CHECK(o->issuer_fd >= 0);
		o->dup_fd = dup(tmpl.ring_fd);
	} else {
		o->issuer_fd = -1;
		o->dup_fd = dup(r.ring_fd);
	}
	CHECK(o->dup_fd >= 0);
	sem_post(&o->ready);
	usleep(o->delay_us);
	ring_exit(&tmpl);
	ring_exit(&r);		/* closes the owner's fds */
	o->gone = true;
	return NULL;		/* and the owner (submitter) exits */
}

static void race_owner_exit(void *arg)
{
	static const unsigned int flags[] = {
		0, IORING_SETUP_SINGLE_ISSUER,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	unsigned int clones = 0, registered = 0, eexist = 0;
	struct layout want;
	struct tfiles tf;
	struct io_uring dst;
	struct bound b;

	(void)arg;
	tfiles_create(&tf, D_SLOTS);
	CHECK_EQ(0, ring_init(&dst, 4, 0));
	d_layout(&want);
	want.file[D_SLOTS - 1] = SENTINEL;

	bound_start(&b, 400);
	for (; bound_more(&b); b.done++) {
		struct owner o = {
			.setup_flags = flags[b.done % 3],
			.tf = &tf,
			.delay_us = rnd(3000),
		};
		unsigned int src = 0, cflags = IORING_REGISTER_DST_REPLACE;
		unsigned int after = 0;
		int sp[2];
		pthread_t t;

		CTX("iteration %u, setup flags 0x%x", b.done, o.setup_flags);
		sentinel_pipe(sp);
		o.sentinel = sp[1];
		sem_init(&o.ready, 0, 0);
		CHECK_EQ(0, pthread_create(&t, NULL, owner_fn, &o));
		sem_wait(&o.ready);
		src = o.dup_fd;
		if (b.done % 2) {
			/* a registered index holds the only other reference */
			struct io_uring_rsrc_update up = {
				.offset = -1U, .data = o.dup_fd,
			};

			CHECK_EQ(1, ring_register(&dst, IORING_REGISTER_RING_FDS,
						  &up, 1));
			close(o.dup_fd);
			src = up.offset;
			cflags |= IORING_REGISTER_SRC_REGISTERED;
			registered++;
		}
		/* clone until the owner is gone, then a few more times */
		while (after < 3) {
			if (o.gone)
				after++;
			CHECK_EQ(0, clone_files(&dst, src, cflags, 0, 0, 0));
			clones++;
			if (o.issuer_fd < 0)
				continue;
			/* its submitter, alive or exiting, is not us */
			CHECK_EQ(-EEXIST, clone_files(&dst, o.issuer_fd,
						      IORING_REGISTER_DST_REPLACE,
						      0, 0, 0));
			eexist++;
		}
		CHECK_EQ(0, pthread_join(t, NULL));
		CHECK_EQ(0, clone_files(&dst, src, cflags, 0, 0, 0));
		check_layout(&dst, &want);
		if (o.issuer_fd >= 0) {
			/* nor is it once it has exited */
			CHECK_EQ(-EEXIST, clone_files(&dst, o.issuer_fd,
						      IORING_REGISTER_DST_REPLACE,
						      0, 0, 0));
			check_layout(&dst, &want);
			close(o.issuer_fd);
		}
		if (cflags & IORING_REGISTER_SRC_REGISTERED) {
			struct io_uring_rsrc_update up = { .offset = src };

			CHECK_EQ(1, ring_register(&dst,
						  IORING_UNREGISTER_RING_FDS,
						  &up, 1));
		} else {
			close(src);
		}
		CHECK_EQ(0, io_uring_unregister_files(&dst));
		expect_no_cqe(&dst);
		close(sp[1]);
		check_eof(sp[0]);
		sem_destroy(&o.ready);
	}
	bound_report("owner exits", &b);
	printf("  %u clones, %u EEXIST from a SINGLE_ISSUER owner's ring, "
	       "%u iterations through a registered index\n", clones, eexist,
	       registered);
	ring_exit(&dst);
	tfiles_destroy(&tf);
}

/* ------------- (e) 8 workers clone one template at once ------------- */

#define E_WORKERS	8
#define E_SLOTS		32
#define E_HANDED	(IORING_SETUP_R_DISABLED | IORING_SETUP_SINGLE_ISSUER | \
			 IORING_SETUP_DEFER_TASKRUN)

struct worker {
	int id;
	int src_fd;		/* the SINGLE_ISSUER source: EEXIST */
	int tmpl_fd;		/* the template: allowed */
	const struct layout *src_l;
	pthread_barrier_t *start;
	struct io_uring r;	/* handed: created and cloned into by main */
	bool handed;
};

static void *worker_fn(void *arg)
{
	static const unsigned int flags[] = {
		0, IORING_SETUP_SINGLE_ISSUER,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	struct worker *w = arg;
	struct layout want = *w->src_l;
	unsigned int src = w->tmpl_fd, cflags = 0;
	struct io_uring *r = &w->r;
	unsigned int i;

	for (i = 0; i < want.nr; i++)
		want.tag[i] = 0;
	if (w->handed) {
		/* (a): this thread becomes the submitter of its ring */
		CHECK_EQ(0, ring_register(r, IORING_REGISTER_ENABLE_RINGS,
					  NULL, 0));
		check_layout(r, &want);
		cflags = IORING_REGISTER_DST_REPLACE;
	} else {
		CHECK_EQ(0, ring_init(r, 16, flags[w->id % 3]));
	}
	if (w->id % 2) {
		/* registered ring indexes are per task: register it here */
		struct io_uring_rsrc_update up = {
			.offset = -1U, .data = w->tmpl_fd,
		};

		CHECK_EQ(1, ring_register(r, IORING_REGISTER_RING_FDS, &up, 1));
		src = up.offset;
		cflags |= IORING_REGISTER_SRC_REGISTERED;
	}
	pthread_barrier_wait(w->start);
	/* the source is its submitter's alone, also while it reads */
	CHECK_EQ(-EEXIST, clone_files(r, w->src_fd,
				      IORING_REGISTER_DST_REPLACE, 0, 0, 0));
	CHECK_EQ(0, clone_files(r, src, cflags, 0, 0, 0));
	check_layout(r, &want);
	/* again, a range moved up by one slot, growing the table */
	CHECK_EQ(0, clone_files(r, src, cflags | IORING_REGISTER_DST_REPLACE,
				0, 1, E_SLOTS));
	for (i = E_SLOTS; i > 0; i--)
		want.file[i] = w->src_l->file[i - 1];
	want.nr = E_SLOTS + 1;
	check_layout(r, &want);
	expect_no_cqe(r);
	ring_exit(r);		/* the registered index goes with the thread */
	return NULL;
}

static void race_workers(void *arg)
{
	struct layout l = { .nr = E_SLOTS }, tl;
	struct worker w[E_WORKERS];
	pthread_t t[E_WORKERS];
	pthread_barrier_t start;
	unsigned int i, reads = 0, refills = 0, handed = 0;
	__u64 tags[MAX_SLOTS];
	struct io_uring src, tmpl;
	struct bound b;
	struct tfiles tf;
	int sp[2], fd, n;

	(void)arg;
	tfiles_create(&tf, E_SLOTS);
	sentinel_pipe(sp);
	CHECK_EQ(0, ring_init(&src, 64, IORING_SETUP_SINGLE_ISSUER |
					IORING_SETUP_DEFER_TASKRUN));
	for (i = 0; i < E_SLOTS; i++) {
		l.file[i] = i % 7 == 6 ? EMPTY : (int)i;
		l.tag[i] = 0xe000 + i;
	}
	register_layout(&src, &tf, &l);
	fd = sp[1];
	/* untagged */
	CHECK_EQ(1, io_uring_register_files_update_tag(&src, 6, &fd, NULL, 1));
	l.file[6] = SENTINEL;
	close(sp[1]);
	/* (b): a template without SINGLE_ISSUER, filled by the submitter */
	CHECK_EQ(0, ring_init(&tmpl, 4, 0));
	CHECK_EQ(0, clone_files(&tmpl, src.ring_fd, 0, 0, 0, 0));
	memset(&tl, 0, sizeof(tl));
	layout_clone(&tl, &l, 0, 0, 0, tags, &n);

	bound_start(&b, 50);
	for (; bound_more(&b); b.done++) {
		CTX("round %u", b.done);
		pthread_barrier_init(&start, NULL, E_WORKERS + 1);
		for (i = 0; i < E_WORKERS; i++) {
			w[i] = (struct worker){ .id = i,
					       .src_fd = src.ring_fd,
					       .tmpl_fd = tmpl.ring_fd,
					       .src_l = &l, .start = &start,
					       .handed = i % 3 == 2 };
			if (w[i].handed) {
				/* (a): disabled, no submitter yet */
				CHECK_EQ(0, ring_init(&w[i].r, 16, E_HANDED));
				CHECK_EQ(0, clone_files(&w[i].r, src.ring_fd,
							0, 0, 0, 0));
				handed++;
			}
			CHECK_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
		}
		pthread_barrier_wait(&start);
		/*
		 * The submitter keeps using the source meanwhile, and refills
		 * the template from it: the same files, so every worker's
		 * clone gets them whichever table it sees.
		 */
		for (i = 0; i < 2 * E_SLOTS; i++, reads++) {
			CHECK_EQ(slot_expect(l.file[i % E_SLOTS]),
				 slot_file(&src, i % E_SLOTS));
			if (i % 8)
				continue;
			CHECK_EQ(0, clone_files(&tmpl, src.ring_fd,
						IORING_REGISTER_DST_REPLACE,
						0, 0, 0));
			refills++;
		}
		for (i = 0; i < E_WORKERS; i++)
			CHECK_EQ(0, pthread_join(t[i], NULL));
		pthread_barrier_destroy(&start);
	}
	bound_report("rounds of 8 concurrent cloners", &b);
	printf("  %u clones from the template, %u EEXIST from the source, "
	       "%u rings cloned into while disabled and enabled by their "
	       "worker; %u source reads and %u template refills meanwhile\n",
	       b.done * E_WORKERS * 2, b.done * E_WORKERS, handed, reads,
	       refills);
	/* the template's slots are untagged: refilling it posted nothing */
	expect_no_cqe(&tmpl);
	check_layout(&tmpl, &tl);
	ring_exit(&tmpl);
	CHECK_EQ(0, io_uring_unregister_files(&src));
	expect_tags(&src, tags, layout_tags(&l, tags));
	ring_exit(&src);
	check_eof(sp[0]);
	tfiles_destroy(&tf);
}

/* ------- (f) clones into a destination whose table changes ------- */

#define F_SLOTS		16
#define F_SRC_SLOTS	32

struct dst_updater {
	struct io_uring *dst;
	const struct tfiles *tf;
	volatile bool stop;
	unsigned int ops;
};

static void *dst_updater_fn(void *arg)
{
	struct dst_updater *u = arg;
	char buf[TFILE_LEN];
	int fd, ret;

	rng_state = 0xf00d;
	while (!u->stop) {
		unsigned int slot = rnd(F_SLOTS);

		switch (rnd(6)) {
		case 0:
			fd = u->tf->fd[rnd(F_SLOTS)];
			ret = io_uring_register_files_update_tag(u->dst, slot,
								 &fd, NULL, 1);
			/* a ranged clone may have made a smaller table */
			CHECK(ret == 1 || ret == -ENXIO || ret == -EINVAL);
			break;
		case 1:
			ret = io_uring_unregister_files(u->dst);
			CHECK(ret == 0 || ret == -ENXIO);
			break;
		case 2:
			ret = io_uring_register_files_sparse(u->dst, F_SLOTS);
			CHECK(ret == 0 || ret == -EBUSY);
			break;
		case 3:
			ret = open_direct(u->dst, u->tf->path[rnd(F_SLOTS)],
					  O_RDONLY, rnd(2) ? slot + 1 :
					  IORING_FILE_INDEX_ALLOC);
			CHECK(ret >= 0 || ret == -ENXIO || ret == -ENFILE ||
			      ret == -EINVAL);
			break;
		case 4:
			ret = close_direct(u->dst, slot);
			CHECK(ret == 0 || ret == -EBADF || ret == -ENXIO ||
			      ret == -EINVAL);
			break;
		default:
			ret = fixed_read(u->dst, slot, buf, TFILE_LEN, 0);
			CHECK(ret == TFILE_LEN || ret == -EBADF);
		}
		u->ops++;
	}
	return NULL;
}

struct dst_cloner {
	struct io_uring *dst;
	int src_fd;
	struct bound b;
	unsigned int busy;
};

static void *dst_cloner_fn(void *arg)
{
	struct dst_cloner *c = arg;
	int ret;

	rng_state = 0xc0de + c->src_fd;
	while (bound_more(&c->b)) {
		unsigned int nr = 1 + rnd(F_SRC_SLOTS), off = rnd(F_SLOTS);

		if (rnd(2)) {
			/* without DST_REPLACE: only into a table-less ring */
			ret = clone_files(c->dst, c->src_fd, 0, 0, 0, 0);
			CHECK(ret == 0 || ret == -EBUSY);
			c->busy += ret == -EBUSY;
		} else {
			CHECK_EQ(0, clone_files(c->dst, c->src_fd,
						IORING_REGISTER_DST_REPLACE,
						F_SRC_SLOTS - nr, off, nr));
		}
		c->b.done++;
	}
	return NULL;
}

static void race_dst_changes(void *arg)
{
	struct layout l = { .nr = F_SRC_SLOTS };
	struct dst_updater u = { 0 };
	struct dst_cloner c[2];
	struct io_uring src[2], dst;
	pthread_t tu, tc[2];
	struct tfiles tf;
	int sp[2], fd, i, f;

	(void)arg;
	tfiles_create(&tf, F_SLOTS);
	sentinel_pipe(sp);
	for (i = 0; i < F_SRC_SLOTS; i++)
		l.file[i] = i % 3 ? i % F_SLOTS : EMPTY;
	for (i = 0; i < 2; i++) {
		CHECK_EQ(0, ring_init(&src[i], 4, 0));
		register_layout(&src[i], &tf, &l);
	}
	fd = sp[1];
	CHECK_EQ(1, io_uring_register_files_update_tag(&src[0], F_SRC_SLOTS - 1,
						       &fd, NULL, 1));
	close(sp[1]);
	CHECK_EQ(0, ring_init(&dst, 16, 0));	/* plain: three threads */
	u.dst = &dst;
	u.tf = &tf;
	CHECK_EQ(0, pthread_create(&tu, NULL, dst_updater_fn, &u));
	for (i = 0; i < 2; i++) {
		c[i] = (struct dst_cloner){ .dst = &dst,
					    .src_fd = src[i].ring_fd };
		bound_start(&c[i].b, 15000);
		CHECK_EQ(0, pthread_create(&tc[i], NULL, dst_cloner_fn, &c[i]));
	}
	for (i = 0; i < 2; i++)
		CHECK_EQ(0, pthread_join(tc[i], NULL));
	u.stop = true;
	CHECK_EQ(0, pthread_join(tu, NULL));
	bound_report("clones of thread 1", &c[0].b);
	bound_report("clones of thread 2", &c[1].b);
	printf("  %u + %u EBUSY, %u destination table operations meanwhile\n",
	       c[0].busy, c[1].busy, u.ops);

	/* every slot holds a test file or reads -EBADF (empty, sentinel) */
	io_uring_unregister_files(&dst);
	CHECK_EQ(0, clone_files(&dst, src[0].ring_fd, 0, 0, 0, 0));
	for (i = 0; i < F_SRC_SLOTS; i++) {
		f = slot_file(&dst, i);
		CHECK_EQ(i == F_SRC_SLOTS - 1 ? -EBADF : slot_expect(l.file[i]),
			 f);
	}
	ring_exit(&dst);
	for (i = 0; i < 2; i++)
		ring_exit(&src[i]);
	check_eof(sp[0]);
	tfiles_destroy(&tf);
}

/* ---- (g) the destination gets a submitter while the clone waits ---- */

#define G_SLOTS		8
#define G_HOLD_SLOTS	16384	/* FILES_UPDATE2 entries holding src's lock */

struct holder {
	struct io_uring *src;
	int *fds;
	pthread_barrier_t *start;
	double secs;
};

/* Holds the source's uring_lock through one long FILES_UPDATE2. */
static void *holder_fn(void *arg)
{
	struct holder *h = arg;
	double t0;

	pthread_barrier_wait(h->start);
	t0 = now_s();
	CHECK_EQ(G_HOLD_SLOTS, io_uring_register_files_update_tag(h->src,
					G_SLOTS, h->fds, NULL, G_HOLD_SLOTS));
	h->secs = now_s() - t0;
	return NULL;
}

struct enabler {
	struct io_uring *dst;
	pthread_barrier_t *start;
	unsigned int delay_us;
	int ret;
	sem_t cloned;		/* posted once clone_ret is set */
	int clone_ret;
	const struct layout *before, *after;
};

/*
 * Enables the destination: this thread becomes its submitter task, and
 * then the only one that can check the destination after the clone.
 */
static void *enabler_fn(void *arg)
{
	struct enabler *e = arg;
	__u64 tags[MAX_SLOTS];

	pthread_barrier_wait(e->start);
	usleep(e->delay_us);
	e->ret = ring_register(e->dst, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	sem_wait(&e->cloned);
	if (e->ret)
		return NULL;
	if (e->clone_ret) {
		/* refused: the table as before, nothing posted */
		expect_no_cqe(e->dst);
		check_layout(e->dst, e->before);
		return NULL;
	}
	/* the replaced slots' tags, posted before the enabling */
	expect_tags(e->dst, tags, layout_tags(e->before, tags));
	check_layout(e->dst, e->after);
	return NULL;
}

static void race_enable(void *arg)
{
	unsigned int flags = IORING_SETUP_R_DISABLED |
			     IORING_SETUP_SINGLE_ISSUER |
			     IORING_SETUP_DEFER_TASKRUN;
	struct layout dl = { .nr = G_SLOTS }, want = { .nr = G_SLOTS };
	unsigned int i, done = 0, eexist = 0;
	pthread_barrier_t start;
	struct io_uring src, dst;
	double held = 0;
	struct bound b;
	struct tfiles tf;
	int *fds, ret;

	(void)arg;
	tfiles_create(&tf, 2 * G_SLOTS);
	for (i = 0; i < G_SLOTS; i++) {
		dl.file[i] = G_SLOTS + i;
		dl.tag[i] = 0xd570000ULL + i;
		want.file[i] = i;	/* source slot i: file i, untagged */
	}
	fds = malloc(G_HOLD_SLOTS * sizeof(*fds));
	CHECK(fds != NULL);
	for (i = 0; i < G_HOLD_SLOTS; i++)
		fds[i] = tf.fd[i % (2 * G_SLOTS)];
	CHECK_EQ(0, ring_init(&src, 4, 0));
	CHECK_EQ(0, io_uring_register_files_sparse(&src,
						   G_SLOTS + G_HOLD_SLOTS));
	CHECK_EQ(G_SLOTS, io_uring_register_files_update_tag(&src, 0, tf.fd,
							     NULL, G_SLOTS));

	bound_start(&b, 24);
	for (; bound_more(&b); b.done++) {
		struct holder h = { .src = &src, .fds = fds, .start = &start };
		struct enabler e = { .start = &start, .before = &dl,
				     .after = &want };
		pthread_t th, te;

		CTX("iteration %u", b.done);
		/* a new ring: its place relative to src decides the lock order */
		CHECK_EQ(0, ring_init(&dst, 16, flags));
		register_layout(&dst, &tf, &dl);
		e.dst = &dst;
		e.delay_us = 20000;
		sem_init(&e.cloned, 0, 0);
		pthread_barrier_init(&start, NULL, 3);
		CHECK_EQ(0, pthread_create(&th, NULL, holder_fn, &h));
		CHECK_EQ(0, pthread_create(&te, NULL, enabler_fn, &e));
		pthread_barrier_wait(&start);
		usleep(5000);	/* the holder has the source's lock by now */
		/* not the submitter-to-be: the tags must not come from here */
		ret = clone_files(&dst, src.ring_fd,
				  IORING_REGISTER_DST_REPLACE, 0, 0, G_SLOTS);
		CHECK(ret == 0 || ret == -EEXIST);
		done += !ret;
		eexist += ret == -EEXIST;
		e.clone_ret = ret;
		sem_post(&e.cloned);
		CHECK_EQ(0, pthread_join(th, NULL));
		CHECK_EQ(0, pthread_join(te, NULL));
		CHECK_EQ(0, e.ret);
		sem_destroy(&e.cloned);
		pthread_barrier_destroy(&start);
		held += h.secs;
		ring_exit(&dst);
	}
	bound_report("clones racing the destination's enabling", &b);
	printf("  %u succeeded, %u EEXIST; the source's lock was held %.0f ms "
	       "per iteration on average\n", done, eexist,
	       b.done ? 1000 * held / b.done : 0.0);
	ring_exit(&src);
	free(fds);
	tfiles_destroy(&tf);
}

/* ---- (h) the source changes under the clone: re-registered, sent into ---- */

#define H_SLOTS		64
#define H_GEN_FILES	24	/* generation g, slot s: file g * 24 + s % 24 */
#define H_MSG_FIRST	(2 * H_GEN_FILES)	/* the sender's files 48..63 */
#define H_MSG_FILES	(MAX_TFILES - H_MSG_FIRST)
#define H_SND_SLOTS	(H_MSG_FILES + 1)	/* and the sentinel */
#define H_SENT		(-3)	/* the sentinel: reads EBADF, fsyncs EINVAL */
#define H_READS		16	/* reads the reader keeps in flight */
#define H_MSG_BATCH	8

#define H_UD_TABLE	0x7ab1e00ULL	/* | slot: a destination's slot read */
#define H_UD_FSYNC	0xf5c0000ULL	/* | slot: is it the sentinel pipe? */
#define H_UD_READ	0x4eadd00ULL	/* | index: the reader's reads */
#define H_UD_POST	0x9057000ULL	/* | slot: a sent file's CQE on src */
#define H_UD_MSG	0x3e55000ULL	/* | index: the sender's own CQEs */

static int h_gen_file(unsigned int gen, unsigned int slot)
{
	return gen * H_GEN_FILES + slot % H_GEN_FILES;
}

static bool h_msg_file(int f)
{
	return f >= H_MSG_FIRST && f < H_MSG_FIRST + H_MSG_FILES;
}

/* Which test file @buf holds after a read that returned @res (slot_file()). */
static int h_file_id(const char *buf, int res)
{
	char tmp[TFILE_LEN + 1], want[TFILE_LEN];
	int i;

	if (res < 0)
		return res;
	if (res != TFILE_LEN)
		return NOT_A_FILE;
	memcpy(tmp, buf, TFILE_LEN);
	tmp[TFILE_LEN] = 0;
	if (sscanf(tmp, "stress-file-%4d", &i) != 1 || i < 0 || i >= MAX_TFILES)
		return NOT_A_FILE;
	tfile_content(i, want);
	return memcmp(buf, want, TFILE_LEN) ? NOT_A_FILE : i;
}

/*
 * Reads every slot of @r's H_SLOTS-slot table at once: file[s] is the test
 * file slot s holds or H_SENT; an empty slot or anything else fails.
 */
static void h_read_table(struct io_uring *r, int *file)
{
	char bufs[H_SLOTS][TFILE_LEN];
	struct io_uring_cqe cqe;
	bool seen[H_SLOTS] = { false };
	unsigned int s, n, nr_bad = 0;
	struct io_uring_sqe *sqe;

	for (s = 0; s < H_SLOTS; s++) {
		sqe = io_uring_get_sqe(r);
		CHECK(sqe != NULL);
		io_uring_prep_read(sqe, s, bufs[s], TFILE_LEN, 0);
		sqe->flags = IOSQE_FIXED_FILE;
		sqe->user_data = H_UD_TABLE | s;
		memset(bufs[s], 0, TFILE_LEN);
	}
	CHECK_EQ(H_SLOTS, io_uring_submit(r));
	for (n = 0; n < H_SLOTS; n++) {
		CHECK_EQ(0, wait_cqe(r, &cqe));
		CHECK_EQ(H_UD_TABLE, cqe.user_data & ~0xffULL);
		s = cqe.user_data & 0xff;
		CHECK(s < H_SLOTS && !seen[s]);
		seen[s] = true;
		file[s] = h_file_id(bufs[s], cqe.res);
		if (file[s] == -EBADF)
			nr_bad++;
		else if (file[s] < 0 || file[s] >= MAX_TFILES)
			die_at(__FILE__, __LINE__, "ring %d slot %u reads %d",
			       r->ring_fd, s, file[s]);
	}
	if (!nr_bad)
		return;
	/* EBADF: the sentinel (a pipe: fsync EINVAL) or an empty slot */
	for (s = 0; s < H_SLOTS; s++) {
		if (file[s] != -EBADF)
			continue;
		sqe = io_uring_get_sqe(r);
		CHECK(sqe != NULL);
		io_uring_prep_rw(IORING_OP_FSYNC, sqe, s, NULL, 0, 0);
		sqe->flags = IOSQE_FIXED_FILE;
		sqe->user_data = H_UD_FSYNC | s;
	}
	CHECK_EQ(nr_bad, io_uring_submit(r));
	for (n = 0; n < nr_bad; n++) {
		CHECK_EQ(0, wait_cqe(r, &cqe));
		CHECK_EQ(H_UD_FSYNC, cqe.user_data & ~0xffULL);
		s = cqe.user_data & 0xff;
		CHECK(s < H_SLOTS && file[s] == -EBADF);
		if (cqe.res != -EINVAL)
			die_at(__FILE__, __LINE__, "ring %d slot %u: read EBADF, "
			       "fsync %d: an empty slot", r->ring_fd, s,
			       cqe.res);
		file[s] = H_SENT;
	}
}

/*
 * A table as a clone may see it: one generation, some slots replaced by
 * files the sender sent (the sentinel too).  Returns the generation, -1 if
 * the sender replaced every slot; counts the sent files in *sent.
 */
static int h_check_table(const int *file, unsigned int *sent)
{
	int gen = -1, g;
	unsigned int s;

	for (s = 0; s < H_SLOTS; s++) {
		if (file[s] == H_SENT || h_msg_file(file[s])) {
			*sent += file[s] != H_SENT || s != H_SLOTS - 1;
			continue;
		}
		g = file[s] == h_gen_file(0, s) ? 0 :
		    file[s] == h_gen_file(1, s) ? 1 : -1;
		if (g < 0)
			die_at(__FILE__, __LINE__, "slot %u holds file %d: of no "
			       "generation, not sent", s, file[s]);
		if (gen >= 0 && g != gen)
			die_at(__FILE__, __LINE__, "slot %u holds file %d of "
			       "generation %d in a table of generation %d", s,
			       file[s], g, gen);
		gen = g;
	}
	return gen;
}

/*
 * Fresh fds of generation @gen's files for a table, the sentinel last: one
 * new open file for each of the generation's H_GEN_FILES files, in each
 * slot that holds that file.
 */
static void h_open_gen(const struct tfiles *tf, unsigned int gen,
		       int sentinel, int *fds)
{
	unsigned int s;

	for (s = 0; s < H_SLOTS - 1; s++) {
		if (s >= H_GEN_FILES) {
			fds[s] = fds[s % H_GEN_FILES];
			continue;
		}
		fds[s] = open(tf->path[h_gen_file(gen, s)], O_RDONLY | O_CLOEXEC);
		CHECK(fds[s] >= 0);
	}
	fds[H_SLOTS - 1] = sentinel;
}

static void h_close_gen(int *fds)
{
	unsigned int s;

	for (s = 0; s < H_GEN_FILES; s++)
		close(fds[s]);
}

/*
 * U: unregister, register the other generation; the tables hold the only
 * references to their files, so a stale slot would read a freed file.
 */
struct h_reregister {
	struct io_uring *src;
	const struct tfiles *tf;
	int sentinel;
	unsigned int gen;
	volatile bool stop;
	unsigned int cycles, gaps;
};

static void *h_reregister_fn(void *arg)
{
	struct h_reregister *u = arg;
	int fds[H_SLOTS];

	rng_state = 0x0e9e9;
	while (!u->stop) {
		u->gen ^= 1;
		h_open_gen(u->tf, u->gen, u->sentinel, fds);
		CHECK_EQ(0, io_uring_unregister_files(u->src));
		if (!rnd(4)) {
			/* a wider window without a table (not asleep) */
			double end = now_s() + rnd(100) / 1e6;

			while (now_s() < end)
				;
			u->gaps++;
		}
		CHECK_EQ(0, io_uring_register_files(u->src, fds, H_SLOTS));
		h_close_gen(fds);
		u->cycles++;
		usleep(rnd(500));
	}
	return NULL;
}

/* M: MSG_RING SEND_FD of the sender's slots into source slots, cyclically. */
struct h_sender {
	struct io_uring *snd;
	int src_fd;
	volatile bool stop;
	unsigned int sent, enxio, posted;
};

static void *h_sender_fn(void *arg)
{
	struct h_sender *m = arg;
	unsigned int from = 0, to = 0, i, n;
	bool post[H_MSG_BATCH];
	struct io_uring_cqe cqe;

	rng_state = 0x5e9d;
	while (!m->stop) {
		for (i = 0; i < H_MSG_BATCH; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(m->snd);

			CHECK(sqe != NULL);
			io_uring_prep_rw(IORING_OP_MSG_RING, sqe, m->src_fd,
					 (void *)IORING_MSG_SEND_FD, 0, 0);
			sqe->addr3 = from;
			sqe->file_index = to + 1;
			/* half of them post a CQE on the source: the reader's */
			post[i] = rnd(2);
			sqe->msg_ring_flags = post[i] ? 0 :
					      IORING_MSG_RING_CQE_SKIP;
			sqe->off = H_UD_POST | to;
			sqe->user_data = H_UD_MSG | i;
			from = (from + 1) % H_SND_SLOTS;
			to = (to + 1) % H_SLOTS;
		}
		CHECK_EQ(H_MSG_BATCH, io_uring_submit(m->snd));
		for (n = 0; n < H_MSG_BATCH; n++) {
			CHECK_EQ(0, wait_cqe(m->snd, &cqe));
			CHECK_EQ(H_UD_MSG, cqe.user_data & ~0xffULL);
			i = cqe.user_data & 0xff;
			CHECK(i < H_MSG_BATCH);
			/* ENXIO: the source had no table at that instant */
			CHECK(cqe.res == 0 || cqe.res == -ENXIO);
			if (cqe.res)
				m->enxio++;
			else
				m->posted += post[i];
			m->sent++;
		}
		usleep(rnd(1000));
	}
	return NULL;
}

/* R: the only submitter on the source, fixed reads always in flight. */
struct h_reader {
	struct io_uring *src;
	volatile bool stop;
	unsigned int reads, ebadf, async, posts;
};

static void h_reader_cqe(struct h_reader *r, const struct io_uring_cqe *cqe,
			 const int *slot, char (*bufs)[TFILE_LEN], bool *busy,
			 unsigned int *inflight)
{
	unsigned int i, s;
	int f;

	if ((cqe->user_data & ~0xffULL) == H_UD_POST) {
		CHECK(cqe->res == 0 && (cqe->user_data & 0xff) < H_SLOTS);
		r->posts++;
		return;
	}
	CHECK_EQ(H_UD_READ, cqe->user_data & ~0xffULL);
	i = cqe->user_data & 0xff;
	CHECK(i < H_READS && busy[i]);
	busy[i] = false;
	(*inflight)--;
	s = slot[i];
	f = h_file_id(bufs[i], cqe->res);
	/* EBADF: no table then, or the sentinel */
	if (f == -EBADF)
		r->ebadf++;
	else if (f != h_gen_file(0, s) && f != h_gen_file(1, s) &&
		 !h_msg_file(f))
		die_at(__FILE__, __LINE__, "source slot %u read %d", s, f);
	r->reads++;
}

static void *h_reader_fn(void *arg)
{
	struct h_reader *r = arg;
	char bufs[H_READS][TFILE_LEN];
	int slot[H_READS];
	bool busy[H_READS] = { false };
	unsigned int i, next = 0, inflight = 0, queued;
	struct io_uring_cqe cqe;

	rng_state = 0x4ead;
	for (;;) {
		bool stop = r->stop;

		for (i = 0, queued = 0; !stop && i < H_READS; i++) {
			struct io_uring_sqe *sqe;

			if (busy[i])
				continue;
			sqe = io_uring_get_sqe(r->src);
			CHECK(sqe != NULL);
			slot[i] = next;
			io_uring_prep_read(sqe, next, bufs[i], TFILE_LEN, 0);
			sqe->flags = IOSQE_FIXED_FILE;
			if (rnd(2)) {
				sqe->flags |= IOSQE_ASYNC;	/* io-wq */
				r->async++;
			}
			sqe->user_data = H_UD_READ | i;
			queued++;
			memset(bufs[i], 0, TFILE_LEN);
			busy[i] = true;
			inflight++;
			next = (next + 7) % H_SLOTS;
		}
		if (!inflight)
			break;
		CHECK_EQ(queued, io_uring_submit(r->src));
		/* one CQE at least, then all there are */
		CHECK_EQ(0, wait_cqe(r->src, &cqe));
		do {
			h_reader_cqe(r, &cqe, slot, bufs, busy, &inflight);
		} while (!peek_cqe(r->src, &cqe));
	}
	/* the sender has stopped: its last CQEs, overflowed ones flushed */
	do {
		CHECK(io_uring_enter(r->src->ring_fd, 0, 0,
				     IORING_ENTER_GETEVENTS, NULL) >= 0);
		i = 0;
		while (!peek_cqe(r->src, &cqe)) {
			h_reader_cqe(r, &cqe, slot, bufs, busy, &inflight);
			i++;
		}
	} while (i);
	return NULL;
}

/* C: whole clones into its own rings, each checked through its slots. */
struct h_cloner {
	int id;
	int src_fd;
	struct bound b;
	unsigned int cloned, enxio, ebusy, registered, gen[2], sent;
};

static void *h_cloner_fn(void *arg)
{
	static const unsigned int flags[2] = {
		0, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	struct h_cloner *c = arg;
	int model[2][H_SLOTS], file[H_SLOTS];
	struct io_uring_rsrc_update up = { .offset = -1U, .data = c->src_fd };
	unsigned int nr[2] = { 0, 0 }, d, s;
	struct io_uring dst[2];
	int ret, g;

	rng_state = 0xc10e0000ULL + c->id;
	for (d = 0; d < 2; d++)
		CHECK_EQ(0, ring_init(&dst[d], H_SLOTS, flags[d]));
	/* a registered index of the source, in this task's table */
	CHECK_EQ(1, ring_register(&dst[0], IORING_REGISTER_RING_FDS, &up, 1));

	while (bound_more(&c->b)) {
		unsigned int op = rnd(4), cflags = 0, src = c->src_fd;
		struct io_uring *r;

		d = rnd(2);
		r = &dst[d];
		CTX("thread %d, clone %u into ring %u (%u slots), op %u", c->id,
		    c->b.done, d, nr[d], op);
		switch (op) {
		case 0:		/* into a ring without a table */
			if (nr[d]) {
				CHECK_EQ(0, io_uring_unregister_files(r));
				nr[d] = 0;
			}
			break;
		case 1:
			cflags = IORING_REGISTER_DST_REPLACE;
			break;
		case 2:		/* no DST_REPLACE: EBUSY if it has a table */
			break;
		default:
			cflags = IORING_REGISTER_SRC_REGISTERED |
				 (rnd(2) ? IORING_REGISTER_DST_REPLACE : 0);
			src = up.offset;
			c->registered++;
		}
		ret = clone_files(r, src, cflags, 0, 0, 0);
		if (nr[d] && !(cflags & IORING_REGISTER_DST_REPLACE)) {
			CHECK_EQ(-EBUSY, ret);
			c->ebusy++;
		} else if (ret) {
			/* no source table at that instant */
			CHECK_EQ(-ENXIO, ret);
			c->enxio++;
		}
		if (!ret) {
			/* the source's size, one generation, sent files */
			check_size(r, H_SLOTS);
			h_read_table(r, file);
			g = h_check_table(file, &c->sent);
			if (g >= 0)
				c->gen[g]++;
			memcpy(model[d], file, sizeof(file));
			nr[d] = H_SLOTS;
			c->cloned++;
		} else {
			/* refused: the destination as it was */
			check_size(r, nr[d]);
			if (nr[d]) {
				h_read_table(r, file);
				for (s = 0; s < H_SLOTS; s++)
					CHECK_EQ(model[d][s], file[s]);
			}
		}
		c->b.done++;
	}
	CTX("thread %d, teardown", c->id);
	up.data = 0;
	CHECK_EQ(1, ring_register(&dst[0], IORING_UNREGISTER_RING_FDS, &up, 1));
	for (d = 0; d < 2; d++) {
		expect_no_cqe(&dst[d]);
		ring_exit(&dst[d]);
	}
	return NULL;
}

static void race_source_churn(void *arg)
{
	struct h_reregister u = { 0 };
	struct h_sender m = { 0 };
	struct h_reader rd = { 0 };
	struct h_cloner c[2];
	int fds[H_SLOTS], a[H_SLOTS], b[H_SLOTS], sp[2], dup_fd, i;
	struct io_uring src, snd, dst;
	pthread_t tu, tm, tr, tc[2];
	unsigned int sent = 0;
	struct tfiles tf;

	(void)arg;
	tfiles_create(&tf, MAX_TFILES);
	sentinel_pipe(sp);
	/* plain: other threads clone it, send into it, re-register it */
	CHECK_EQ(0, ring_init(&src, 64, 0));
	h_open_gen(&tf, 0, sp[1], fds);
	CHECK_EQ(0, io_uring_register_files(&src, fds, H_SLOTS));
	h_close_gen(fds);
	CHECK_EQ(0, ring_init(&snd, 16, 0));
	for (i = 0; i < H_MSG_FILES; i++)
		fds[i] = tf.fd[H_MSG_FIRST + i];
	fds[H_MSG_FILES] = sp[1];
	CHECK_EQ(0, io_uring_register_files(&snd, fds, H_SND_SLOTS));
	dup_fd = dup(src.ring_fd);
	CHECK(dup_fd >= 0);

	u = (struct h_reregister){ .src = &src, .tf = &tf, .sentinel = sp[1] };
	m = (struct h_sender){ .snd = &snd, .src_fd = src.ring_fd };
	rd = (struct h_reader){ .src = &src };
	CHECK_EQ(0, pthread_create(&tr, NULL, h_reader_fn, &rd));
	CHECK_EQ(0, pthread_create(&tu, NULL, h_reregister_fn, &u));
	CHECK_EQ(0, pthread_create(&tm, NULL, h_sender_fn, &m));
	for (i = 0; i < 2; i++) {
		c[i] = (struct h_cloner){ .id = i + 1,
					  .src_fd = i ? dup_fd : src.ring_fd };
		bound_start(&c[i].b, 6000);
		CHECK_EQ(0, pthread_create(&tc[i], NULL, h_cloner_fn, &c[i]));
	}
	for (i = 0; i < 2; i++)
		CHECK_EQ(0, pthread_join(tc[i], NULL));
	m.stop = true;
	CHECK_EQ(0, pthread_join(tm, NULL));
	u.stop = true;
	CHECK_EQ(0, pthread_join(tu, NULL));
	rd.stop = true;
	CHECK_EQ(0, pthread_join(tr, NULL));
	bound_report("clones of thread 1", &c[0].b);
	bound_report("clones of thread 2", &c[1].b);
	for (i = 0; i < 2; i++) {
		printf("  thread %d: %u cloned (%u of generation 0, %u of "
		       "generation 1), %u ENXIO, %u EBUSY, %u through a "
		       "registered index; %u cloned slots held a sent file\n",
		       c[i].id, c[i].cloned, c[i].gen[0], c[i].gen[1],
		       c[i].enxio, c[i].ebusy, c[i].registered, c[i].sent);
		sent += c[i].sent;
	}
	printf("  meanwhile %u unregister/register cycles (%u with a wider "
	       "gap), %u MSG_RING SEND_FD (%u ENXIO, %u CQEs posted on the "
	       "source), %u fixed reads on the source (%u through io-wq, %u "
	       "EBADF)\n", u.cycles, u.gaps, m.sent, m.enxio, m.posted,
	       rd.reads, rd.async, rd.ebadf);
	/* every CQE posted on the source reached its reader, once */
	CHECK_EQ(m.posted, rd.posts);
	CHECK(c[0].cloned && c[1].cloned && u.cycles && rd.reads);

	/* quiescent: a clone is an exact copy of the source */
	CTX("quiescent");
	CHECK_EQ(0, ring_init(&dst, H_SLOTS, 0));
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, 0, 0, 0, 0));
	check_size(&dst, H_SLOTS);
	h_read_table(&src, a);
	h_read_table(&dst, b);
	for (i = 0; i < H_SLOTS; i++)
		CHECK_EQ(a[i], b[i]);
	/* U registered last: its generation, unless M replaced every slot */
	i = h_check_table(b, &sent);
	CHECK(i == (int)u.gen || i == -1);
	expect_no_cqe(&dst);
	ring_exit(&dst);

	CHECK_EQ(0, io_uring_unregister_files(&src));
	expect_no_cqe(&src);
	ring_exit(&src);
	close(dup_fd);
	expect_no_cqe(&snd);
	ring_exit(&snd);
	close(sp[1]);
	check_eof(sp[0]);
	tfiles_destroy(&tf);
}

/* On one CPU the threads below only take turns: nothing would race. */
static void two_cpus_online(void *arg)
{
	(void)arg;
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 2);
}

int main(int argc, char **argv)
{
	static unsigned int plain = 0;
	static unsigned int deferred = IORING_SETUP_SINGLE_ISSUER |
				       IORING_SETUP_DEFER_TASKRUN;
	static const struct {
		char id;
		const char *name;
		void (*fn)(void *);
		void *arg;
	} races[] = {
		{ 'a', "A->B and B->A clones at once", race_pingpong, NULL },
		{ 'b', "clones while the source table changes",
		  race_source_updates, NULL },
		{ 'c', "DST_REPLACE over in-flight reads, plain ring",
		  race_inflight, &plain },
		{ 'c', "DST_REPLACE over in-flight reads, DEFER_TASKRUN",
		  race_inflight, &deferred },
		{ 'd', "source owner closes and exits during clones",
		  race_owner_exit, NULL },
		{ 'e', "8 workers clone one template at once", race_workers,
		  NULL },
		{ 'f', "clones into a destination whose table changes",
		  race_dst_changes, NULL },
		{ 'g', "clone while another thread enables the destination",
		  race_enable, NULL },
		{ 'h', "clones while the source is re-registered and sent into",
		  race_source_churn, NULL },
	};
	const char *only = NULL;
	char name[128];
	unsigned int i;
	int opt;

	while ((opt = getopt(argc, argv, "t:i:r:")) != -1) {
		switch (opt) {
		case 't':
			time_cap = atof(optarg);
			break;
		case 'i':
			iter_scale = atoi(optarg);
			break;
		case 'r':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS_PER_RACE] "
				"[-i ITERATION_SCALE] [-r RACES, e.g. -r ag]\n",
				argv[0]);
			return 2;
		}
	}
	stress_init();
	rng_state = 0x5eed5eedULL;
	printf("races: time cap %.0f s per race, iteration scale %u\n",
	       time_cap, iter_scale);
	run_test("races: two CPUs online", two_cpus_online, NULL, 10);
	for (i = 0; i < ARRAY_SIZE(races); i++) {
		if (only && !strchr(only, races[i].id))
			continue;
		snprintf(name, sizeof(name), "races (%c): %s", races[i].id,
			 races[i].name);
		run_test(name, races[i].fn, races[i].arg, 120 + time_cap);
	}
	return summary();
}
