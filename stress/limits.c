// SPDX-License-Identifier: GPL-2.0
/*
 * Table size limits of IORING_REGISTER_CLONE_FILES: a destination table
 * that grows, to max(dst_off + nr, current size), may not exceed
 * RLIMIT_NOFILE (the soft limit) nor IORING_MAX_FIXED_FILES (1 << 20):
 * EMFILE, and the destination is unchanged.  Exactly at a limit the clone
 * succeeds.  A replace that does not grow the table is not limited again:
 * it succeeds even in a table already larger than a lowered RLIMIT_NOFILE,
 * also when the ring is its own source.
 */

#include "stress.h"

#define SRC_SLOTS	64
#define NR_OPEN		"/proc/sys/fs/nr_open"

static struct tfiles tf;

/* 64 slots, file i % 16, every 5th slot empty, tagged. */
static void src_layout(struct layout *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->nr = SRC_SLOTS;
	for (i = 0; i < SRC_SLOTS; i++) {
		l->file[i] = i % 5 == 4 ? EMPTY : (int)(i % 16);
		l->tag[i] = 0x5ec0000ULL + i;
	}
}

static void check_no_table(struct io_uring *r)
{
	expect_no_cqe(r);
	check_size(r, 0);
}

static void rlimit_below_source(void *arg)
{
	struct layout sl, dl, want;
	struct io_uring src, dst;
	__u64 tags[MAX_SLOTS];
	unsigned int i;
	int n;

	(void)arg;
	CHECK_EQ(0, ring_init(&src, 64, 0));
	src_layout(&sl);
	register_layout(&src, &tf, &sl);
	/* a destination with 40 slots, registered while the limit allows */
	CHECK_EQ(0, ring_init(&dst, 64, 0));
	memset(&dl, 0, sizeof(dl));
	dl.nr = 40;
	for (i = 0; i < dl.nr; i++) {
		dl.file[i] = i % 3 ? EMPTY : (int)(15 - i % 16);
		dl.tag[i] = 0xd570000ULL + i;
	}
	register_layout(&dst, &tf, &dl);

	CHECK_EQ(0, set_nofile(32, 1U << 20));
	{
		struct io_uring r;

		CHECK_EQ(0, ring_init(&r, 4, 0));
		CTX("whole source table of 64 over RLIMIT_NOFILE 32");
		CHECK_EQ(-EMFILE, clone_files(&r, src.ring_fd, 0, 0, 0, 0));
		check_no_table(&r);
		CTX("33 slots: dst_off 1 + nr 32");
		CHECK_EQ(-EMFILE, clone_files(&r, src.ring_fd, 0, 0, 1, 32));
		check_no_table(&r);
		CTX("exactly 32 slots");
		CHECK_EQ(0, clone_files(&r, src.ring_fd, 0, 32, 0, 32));
		memset(&want, 0, sizeof(want));
		layout_clone(&want, &sl, 32, 0, 32, tags, &n);
		check_layout(&r, &want);
		CTX("growing the 32 slots by one");
		CHECK_EQ(-EMFILE, clone_files(&r, src.ring_fd,
					      IORING_REGISTER_DST_REPLACE,
					      0, 32, 1));
		check_layout(&r, &want);
		expect_no_cqe(&r);
		/* a limit lowered below the table: replacing all 32 is fine */
		CHECK_EQ(0, set_nofile(16, 1U << 20));
		CTX("replacing all 32 slots under RLIMIT_NOFILE 16");
		CHECK_EQ(0, clone_files(&r, src.ring_fd,
					IORING_REGISTER_DST_REPLACE, 0, 0, 32));
		layout_clone(&want, &sl, 0, 0, 32, tags, &n);
		CHECK_EQ(0, n);		/* cloned slots carry no tag */
		expect_no_cqe(&r);
		check_layout(&r, &want);
		CTX("growing the 32 slots by one under RLIMIT_NOFILE 16");
		CHECK_EQ(-EMFILE, clone_files(&r, src.ring_fd,
					      IORING_REGISTER_DST_REPLACE,
					      0, 1, 32));
		expect_no_cqe(&r);
		check_layout(&r, &want);
		CHECK_EQ(0, set_nofile(32, 1U << 20));
		ring_exit(&r);
	}
	/*
	 * The existing 40-slot table is over the limit already: replacing
	 * slots inside it succeeds, growing it does not.
	 */
	CTX("one slot into a 40-slot table under RLIMIT_NOFILE 32");
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, IORING_REGISTER_DST_REPLACE,
				0, 0, 1));
	layout_clone(&dl, &sl, 0, 0, 1, tags, &n);
	CHECK_EQ(1, n);		/* slot 0 held tagged file 15 */
	expect_tags(&dst, tags, n);
	check_layout(&dst, &dl);
	CTX("slots 30..39 of a 40-slot table under RLIMIT_NOFILE 32");
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, IORING_REGISTER_DST_REPLACE,
				20, 30, 10));
	layout_clone(&dl, &sl, 20, 30, 10, tags, &n);
	expect_tags(&dst, tags, n);
	check_layout(&dst, &dl);
	CTX("slots 39..40: growing a 40-slot table under RLIMIT_NOFILE 32");
	CHECK_EQ(-EMFILE, clone_files(&dst, src.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 0, 39, 2));
	CTX("dst_off 40: growing a 40-slot table under RLIMIT_NOFILE 32");
	CHECK_EQ(-EMFILE, clone_files(&dst, src.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 5, 40, 1));
	CTX("the whole 64-slot source into a 40-slot table");
	CHECK_EQ(-EMFILE, clone_files(&dst, src.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 0, 0, 0));
	expect_no_cqe(&dst);
	check_layout(&dst, &dl);
	/* the same within the ring itself */
	CTX("self clone of slots 0..9 to 25..34 under RLIMIT_NOFILE 32");
	CHECK_EQ(0, clone_files(&dst, dst.ring_fd, IORING_REGISTER_DST_REPLACE,
				0, 25, 10));
	layout_clone(&dl, &dl, 0, 25, 10, tags, &n);
	expect_tags(&dst, tags, n);
	check_layout(&dst, &dl);
	CTX("self clone of slots 0..9 to 35..44 under RLIMIT_NOFILE 32");
	CHECK_EQ(-EMFILE, clone_files(&dst, dst.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 0, 35, 10));
	expect_no_cqe(&dst);
	CHECK_EQ(0, set_nofile(1U << 20, 1U << 20));
	check_layout(&dst, &dl);
	check_alloc(&dst, &tf, &dl);
	unregister_expect_tags(&dst, &dl);
	ring_exit(&dst);
	expect_no_cqe(&src);
	check_layout(&src, &sl);
	unregister_expect_tags(&src, &sl);
	ring_exit(&src);
}

/* Reads the last slots of a table of exactly MAX_FIXED_FILES slots. */
static void check_max_table(struct io_uring *r, int second_last, int last)
{
	check_size(r, MAX_FIXED_FILES);
	CHECK_EQ(second_last, slot_file(r, MAX_FIXED_FILES - 2));
	CHECK_EQ(last, slot_file(r, MAX_FIXED_FILES - 1));
}

static void max_fixed_files(void *arg)
{
	const unsigned int max = MAX_FIXED_FILES;
	struct io_uring src, big, dst;
	char old_nr_open[32] = "";
	bool raised = false;
	struct layout sl;
	int ret;

	(void)arg;
	/*
	 * RLIMIT_NOFILE above 1 << 20, so that EMFILE can only come from
	 * IORING_MAX_FIXED_FILES; nr_open caps the hard limit.
	 */
	read_file(NR_OPEN, old_nr_open, sizeof(old_nr_open));
	if (!write_file(NR_OPEN, "2097152") && !set_nofile(2 * max, 2 * max)) {
		raised = true;
	} else if (set_nofile(max, max)) {
		skip_test("cannot raise RLIMIT_NOFILE to %u", max);
	}
	printf("  RLIMIT_NOFILE %u\n", raised ? 2 * max : max);

	CHECK_EQ(0, ring_init(&src, 16, 0));
	memset(&sl, 0, sizeof(sl));
	sl.nr = 4;
	sl.file[0] = 0;
	sl.file[1] = 1;
	sl.file[2] = EMPTY;
	sl.file[3] = 3;
	register_layout(&src, &tf, &sl);

	CHECK_EQ(0, ring_init(&dst, 16, 0));
	CTX("clone ending exactly at 1 << 20");
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, 0, 0, max - 2, 2));
	check_max_table(&dst, 0, 1);
	CHECK_EQ(-EBADF, slot_file(&dst, 0));
	CTX("DST_REPLACE ending at (1 << 20) + 1");
	CHECK_EQ(-EMFILE, clone_files(&dst, src.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 2, max - 1,
				      2));
	expect_no_cqe(&dst);
	check_max_table(&dst, 0, 1);
	CTX("DST_REPLACE of the last slot, at the limit");
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, IORING_REGISTER_DST_REPLACE,
				3, max - 1, 1));
	check_max_table(&dst, 0, 3);
	expect_no_cqe(&dst);
	CTX("self clone of the last two slots to slots 0 and 1");
	CHECK_EQ(0, clone_files(&dst, dst.ring_fd, IORING_REGISTER_DST_REPLACE,
				max - 2, 0, 2));
	CHECK_EQ(0, slot_file(&dst, 0));
	CHECK_EQ(3, slot_file(&dst, 1));
	check_max_table(&dst, 0, 3);
	CTX("self clone ending at (1 << 20) + 1");
	CHECK_EQ(-EMFILE, clone_files(&dst, dst.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 0, max - 1,
				      2));
	check_max_table(&dst, 0, 3);
	CHECK_EQ(0, slot_file(&dst, 0));
	CHECK_EQ(3, slot_file(&dst, 1));
	expect_no_cqe(&dst);
	ring_exit(&dst);

	CHECK_EQ(0, ring_init(&dst, 16, 0));
	CTX("fresh destination, (1 << 20) + 1 slots");
	CHECK_EQ(-EMFILE, clone_files(&dst, src.ring_fd, 0, 0, max - 1, 2));
	check_no_table(&dst);
	CTX("fresh destination, dst_off 1 << 20");
	CHECK_EQ(-EMFILE, clone_files(&dst, src.ring_fd, 0, 0, max, 1));
	check_no_table(&dst);

	/* a source of exactly 1 << 20 slots, cloned whole */
	CTX("source of 1 << 20 slots");
	CHECK_EQ(0, ring_init(&big, 16, 0));
	CHECK_EQ(0, io_uring_register_files_sparse(&big, max));
	CHECK_EQ(1, io_uring_register_files_update_tag(&big, max - 1, &tf.fd[5],
						       NULL, 1));
	CHECK_EQ(1, io_uring_register_files_update_tag(&big, max - 2, &tf.fd[6],
						       NULL, 1));
	ret = clone_files(&dst, big.ring_fd, 0, 0, 0, 0);
	CHECK_EQ(0, ret);
	check_max_table(&dst, 6, 5);
	CTX("1 << 20 source slots at dst_off 1");
	CHECK_EQ(-EMFILE, clone_files(&dst, big.ring_fd,
				      IORING_REGISTER_DST_REPLACE, 0, 1, max));
	check_max_table(&dst, 6, 5);
	expect_no_cqe(&dst);
	ring_exit(&dst);
	ring_exit(&big);

	check_layout(&src, &sl);
	ring_exit(&src);
	if (raised && old_nr_open[0])
		write_file(NR_OPEN, old_nr_open);
}

#define WATCHDOG_THRESH	"/proc/sys/kernel/watchdog_thresh"
#define RCU_STALL	"/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout"

/* Set @path to @val, saving what it held in @old. */
static void swap_param(const char *path, const char *val, char *old,
		       size_t len)
{
	CHECK(read_file(path, old, len) > 0);
	CHECK_EQ(0, write_file(path, val));
}

/*
 * The largest clone there is, a full 1 << 20-slot table, whole into an
 * empty ring and then again in place (DST_REPLACE), with the soft-lockup
 * detector firing after 2 s (watchdog_thresh 1) and the RCU stall detector
 * after 3 s: a kernel report fails the run. The clone's loops call
 * cond_resched(). On a preemptible kernel, as every x86 kernel of 7.3 is,
 * no report could come even without that; without preemption (User-Mode
 * Linux, ARCH_NO_PREEMPT) it is what keeps them away.
 */
static void full_table_clone(void *arg)
{
	const unsigned int max = MAX_FIXED_FILES;
	char thresh[16], stall[16];
	struct io_uring src, dst;
	bool rcu_stall;
	unsigned int i;
	int *fds;

	(void)arg;
	CHECK_EQ(0, set_nofile(max, max));
	fds = malloc(max * sizeof(*fds));
	CHECK(fds != NULL);
	for (i = 0; i < max; i++)
		fds[i] = tf.fd[i % 16];
	CHECK_EQ(0, ring_init(&src, 16, 0));
	CHECK_EQ(0, io_uring_register_files(&src, fds, max));
	free(fds);
	CHECK_EQ(0, ring_init(&dst, 16, 0));

	swap_param(WATCHDOG_THRESH, "1", thresh, sizeof(thresh));
	/* TINY_RCU (a uniprocessor kernel, as UML's) has no stall detector */
	rcu_stall = !access(RCU_STALL, F_OK);
	if (rcu_stall)
		swap_param(RCU_STALL, "3", stall, sizeof(stall));
	printf("  soft-lockup threshold 2 s%s\n", rcu_stall ?
	       ", RCU stall timeout 3 s" :
	       "; no RCU CPU stall detector in this kernel (TINY_RCU)");
	CTX("clone of 1 << 20 occupied slots into an empty ring");
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, 0, 0, 0, 0));
	CTX("DST_REPLACE of all 1 << 20 slots in place");
	CHECK_EQ(0, clone_files(&dst, src.ring_fd, IORING_REGISTER_DST_REPLACE,
				0, 0, 0));
	CHECK_EQ(0, write_file(WATCHDOG_THRESH, thresh));
	if (rcu_stall)
		CHECK_EQ(0, write_file(RCU_STALL, stall));

	check_size(&dst, max);
	for (i = 0; i < max; i += max / 64 - 1)
		CHECK_EQ((int)(i % 16), slot_file(&dst, i));
	CHECK_EQ((int)((max - 1) % 16), slot_file(&dst, max - 1));
	ring_exit(&dst);
	ring_exit(&src);
}

/*
 * Fork a child that makes its own ring (as nobody if @as_nobody) and
 * clones @src_fd's buffers into it. Returns the child's exit status: 0 if
 * the clone failed with EINVAL, 1 if not, 2 if the child could not start.
 */
static int clone_buffers_in_child(int src_fd, bool as_nobody)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (!pid) {
		struct io_uring_clone_buffers c = { .src_fd = src_fd };
		struct io_uring r;

		if (as_nobody && (setresgid(65534, 65534, 65534) ||
				  setresuid(65534, 65534, 65534)))
			_exit(2);
		if (ring_init(&r, 8, 0))
			_exit(2);
		_exit(ring_register(&r, IORING_REGISTER_CLONE_BUFFERS, &c, 1) ==
		      -EINVAL ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 2;
	return WEXITSTATUS(status);
}

/*
 * CLONE_BUFFERS: the argument checks it shares with CLONE_FILES (a bad
 * pointer, unknown flags, a non-zero pad), its own table limit, a
 * destination of more than IORING_MAX_REG_BUFFERS (1 << 14) buffers, and a
 * destination of another user or of another process: EFAULT, EINVAL each
 * time after that, and the destination gets no table. And a replace into a
 * sparse table after empty slots, which it keeps.
 */
static void buffers_args(void *arg)
{
	static char buf[4096] __attribute__((aligned(4096)));
	struct iovec iov = { buf, sizeof(buf) };
	struct io_uring_rsrc_register sparse = {
		.nr = 4, .flags = IORING_RSRC_REGISTER_SPARSE,
	};
	struct io_uring_clone_buffers cb;
	struct io_uring src, dst;

	(void)arg;
	CHECK_EQ(0, ring_init(&src, 8, 0));
	CHECK_EQ(0, ring_register(&src, IORING_REGISTER_BUFFERS, &iov, 1));
	CHECK_EQ(0, ring_init(&dst, 8, 0));

	CTX("CLONE_BUFFERS with an unmapped argument");
	CHECK_EQ(-EFAULT, ring_register(&dst, IORING_REGISTER_CLONE_BUFFERS,
					(void *)16, 1));
	CTX("CLONE_BUFFERS with an unknown flag");
	cb = (struct io_uring_clone_buffers){ .src_fd = src.ring_fd,
					      .flags = 1U << 5 };
	CHECK_EQ(-EINVAL, ring_register(&dst, IORING_REGISTER_CLONE_BUFFERS,
					&cb, 1));
	CTX("CLONE_BUFFERS with a non-zero pad");
	cb = (struct io_uring_clone_buffers){ .src_fd = src.ring_fd };
	cb.pad[2] = 1;
	CHECK_EQ(-EINVAL, ring_register(&dst, IORING_REGISTER_CLONE_BUFFERS,
					&cb, 1));
	CTX("CLONE_BUFFERS to dst_off 1 << 14: a table of (1 << 14) + 1");
	cb = (struct io_uring_clone_buffers){ .src_fd = src.ring_fd,
					      .dst_off = 1U << 14, .nr = 1 };
	CHECK_EQ(-EINVAL, ring_register(&dst, IORING_REGISTER_CLONE_BUFFERS,
					&cb, 1));
	CTX("CLONE_BUFFERS ending exactly at 1 << 14");
	cb.dst_off = (1U << 14) - 1;
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_CLONE_BUFFERS, &cb, 1));
	/* the table exists now: unregistering it succeeds exactly once */
	CHECK_EQ(0, ring_register(&dst, IORING_UNREGISTER_BUFFERS, NULL, 0));
	CHECK_EQ(-ENXIO, ring_register(&dst, IORING_UNREGISTER_BUFFERS, NULL, 0));

	CTX("CLONE_BUFFERS DST_REPLACE into slot 2 of a sparse table of 4");
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_BUFFERS2, &sparse,
				  sizeof(sparse)));
	cb = (struct io_uring_clone_buffers){ .src_fd = src.ring_fd,
		.dst_off = 2, .nr = 1, .flags = IORING_REGISTER_DST_REPLACE };
	CHECK_EQ(0, ring_register(&dst, IORING_REGISTER_CLONE_BUFFERS, &cb, 1));
	ring_exit(&dst);

	/*
	 * A ring of another user (one without CAP_IPC_LOCK is accounted to
	 * its user) may not take buffers accounted to this one: EINVAL.
	 */
	CTX("CLONE_BUFFERS into a ring of another user");
	CHECK_EQ(0, clone_buffers_in_child(src.ring_fd, true));
	/*
	 * The same user in another process: the rings are accounted to
	 * different mms (ctx->mm_account), so EINVAL as well.
	 */
	CTX("CLONE_BUFFERS into a ring of the same user in another process");
	CHECK_EQ(0, clone_buffers_in_child(src.ring_fd, false));
	ring_exit(&src);
}

/*
 * --full-table: only the full 1 << 20-slot clone, which takes minutes on
 * the debug kernel under TCG and so is not in make stress; make fuzz runs
 * it under User-Mode Linux, where the kernel cannot be preempted and the
 * clone's cond_resched() calls are what keeps the detectors quiet.
 */
int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--full-table")) {
		stress_init();
		tfiles_create(&tf, 16);
		run_test("limits: a full 1 << 20-slot table cloned whole and "
			 "replaced in place, soft-lockup threshold 2 s",
			 full_table_clone, NULL, 1800);
		tfiles_destroy(&tf);
		return summary();
	}
	if (argc != 1) {
		printf("usage: limits [--full-table]\n");
		return 2;
	}
	stress_init();
	tfiles_create(&tf, 16);
	run_test("limits: RLIMIT_NOFILE below the tables: EMFILE only on growth",
		 rlimit_below_source, NULL, 300);
	run_test("limits: IORING_MAX_FIXED_FILES exactly, and one more: EMFILE",
		 max_fixed_files, NULL, 600);
	run_test("limits: CLONE_BUFFERS argument errors and its "
		 "IORING_MAX_REG_BUFFERS", buffers_args, NULL, 120);
	tfiles_destroy(&tf);
	return summary();
}
