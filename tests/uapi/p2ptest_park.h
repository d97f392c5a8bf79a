/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Races made deterministic, for the test programs that need them: a thread
 * parked inside a system call on a userfaultfd page (the kernel copying the
 * call's user memory waits until the program answers the fault) while the
 * other operation runs, and ioctls run by threads of their own.
 */
#ifndef P2PTEST_PARK_H
#define P2PTEST_PARK_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#define PARK_PAGE	4096

/*
 * A page that parks whoever touches it until park_release(), right after
 * a plain one: an argument laid across the boundary is read up to the
 * parked page, then waits.
 */
struct park {
	int uffd;
	void *page;		/* the parked page; the plain one is before it */
};

static inline void park_fini(struct park *p);

/* 0 or -errno; on failure nothing is left to park_fini(). */
static inline int park_init(struct park *p)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	void *two;
	int err;

	p->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (p->uffd < 0)
		return -errno;
	two = mmap(NULL, 2 * PARK_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED) {
		err = -errno;
		close(p->uffd);
		return err;
	}
	p->page = (char *)two + PARK_PAGE;
	reg.range.start = (uintptr_t)p->page;
	reg.range.len = PARK_PAGE;
	if (ioctl(p->uffd, UFFDIO_API, &api) || ioctl(p->uffd, UFFDIO_REGISTER, &reg)) {
		err = -errno;
		park_fini(p);
		return err;
	}
	return 0;
}

/* Wait until a thread faults on the page: it is parked in the kernel. */
static inline int park_wait(struct park *p)
{
	struct uffd_msg msg;

	if (read(p->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -EPROTO;
}

/* Fill the page with @data and let the parked thread go on. */
static inline int park_release(struct park *p, const void *data, size_t len)
{
	static char src[PARK_PAGE];
	struct uffdio_copy copy = {
		.dst = (uintptr_t)p->page, .src = (uintptr_t)src, .len = PARK_PAGE,
	};

	memset(src, 0, sizeof(src));
	memcpy(src, data, len);
	return ioctl(p->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
}

static inline void park_fini(struct park *p)
{
	munmap((char *)p->page - PARK_PAGE, 2 * PARK_PAGE);
	close(p->uffd);
}

/* An ioctl run by a thread of its own. */
struct call {
	pthread_t thread;
	int fd;
	unsigned long cmd;
	void *arg;
	int ret, err;
	pid_t tid;
	atomic_bool done;
};

static inline void *call_thread(void *arg)
{
	struct call *c = arg;

	c->tid = (pid_t)syscall(SYS_gettid);
	c->ret = ioctl(c->fd, c->cmd, c->arg);
	c->err = errno;
	atomic_store(&c->done, true);
	return NULL;
}

static inline void call_start(struct call *c, int fd, unsigned long cmd, void *arg)
{
	c->fd = fd;
	c->cmd = cmd;
	c->arg = arg;
	c->tid = 0;
	atomic_store(&c->done, false);
	pthread_create(&c->thread, NULL, call_thread, c);
}

/* The scheduler state of thread @tid: 'R', 'S', 'D', ... */
static inline char thread_state(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Wait until @c has returned or sleeps uninterruptibly (on a lock in the
 * kernel): whichever happens first tells whether it waited for the other
 * operation. Returns true if it blocked.
 */
static inline bool call_blocks(struct call *c)
{
	for (;;) {
		if (atomic_load(&c->done))
			return false;
		if (c->tid && thread_state(c->tid) == 'D')
			return true;
		usleep(1000);
	}
}

#endif /* P2PTEST_PARK_H */
