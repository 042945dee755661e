// SPDX-License-Identifier: GPL-2.0
/*
 * How long a 1 << 20-slot clone keeps another task off its CPU on a kernel
 * without preemption (User-Mode Linux: PREEMPT_VOLUNTARY), where only
 * cond_resched() and the allocator's might_resched() let it in. A spinner
 * on the same CPU records its longest gap between two clock reads while
 * the parent clones a full table into an empty ring, then twice in place
 * (DST_REPLACE, which also drops the replaced nodes).
 *
 * Build (from the repository):
 *   gcc -O2 -Wall -std=gnu11 -isystem $BUILD_DIR/uapi/usr/include \
 *       -I$TREE_DIR/tools/testing/selftests/io_uring -Iprogs -static \
 *       -o resched-probe bench/experiments/resched-probe.c
 * Run: fs.nr_open must allow 1 << 20 + 64 fds, e.g.
 *   scripts/uml-run.sh --dir DIR -- sh -c \
 *       'echo 1048640 >/proc/sys/fs/nr_open; ./resched-probe'
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"

#define NR_FILES	(1U << 20)

struct shared {
	volatile long long max_gap;	/* ns, since the last reset */
	volatile int reset;
};

static void spin(struct shared *sh)
{
	long long prev = now_ns(), t;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		t = now_ns();
		if (sh->reset) {
			sh->max_gap = 0;
			sh->reset = 0;
		} else if (t - prev > sh->max_gap) {
			sh->max_gap = t - prev;
		}
		prev = t;
	}
}

int main(void)
{
	struct rlimit rl = { NR_FILES + 64, NR_FILES + 64 };
	struct ring src, dst;
	struct shared *sh;
	unsigned int i;
	cpu_set_t set;
	int fd, *fds;
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	fds = malloc(NR_FILES * sizeof(*fds));
	if (sh == MAP_FAILED || fd < 0 || !fds || setrlimit(RLIMIT_NOFILE, &rl)) {
		perror("resched-probe: setup");
		return 1;
	}
	for (i = 0; i < NR_FILES; i++)
		fds[i] = fd;
	if (ring_init(&src, 8, 0) || ring_register_files(&src, fds, NR_FILES) ||
	    ring_init(&dst, 8, 0)) {
		fprintf(stderr, "resched-probe: rings\n");
		return 1;
	}
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	pid = fork();
	if (!pid)
		spin(sh);
	usleep(100000);
	for (i = 0; i < 3; i++) {
		long long t0, t1;
		int ret;

		sh->reset = 1;
		usleep(20000);
		t0 = now_ns();
		ret = clone_files(&dst, src.fd,
				  i ? IORING_REGISTER_DST_REPLACE : 0, 0, 0, 0);
		t1 = now_ns();
		usleep(20000);
		printf("%s: ret %d, %.1f ms; the spinner's longest wait %.1f ms\n",
		       i ? "replace in place" : "clone into an empty ring", ret,
		       (t1 - t0) / 1e6, sh->max_gap / 1e6);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
