// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency run of a VFIO exporter and /dev/p2ptest: threads at once on
 * one shared buffer, one shared /dev/p2ptest file and one provider, bound
 * to vfio-pci and opened once, its device file shared by the threads:
 *
 *   - two importers on the shared file, each importing the shared buffer,
 *     having the client DMA its own seeded page into it and back, and
 *     unimporting, until each got ROUNDS verified rounds through and, when
 *     UNTIL-FILE is given, that file exists; both passes succeeding means
 *     every byte came back. However many imports are refused meanwhile,
 *     they go on: how many get through depends on how fast the host runs
 *     the guest (3 of 1600 on a busy host, 30 of 700 on an idle one, when
 *     tries were bounded), not on the kernel; a kernel that never lets one
 *     through hangs the run, and the VM's timeout fails it;
 *   - a revoker, taking turns: VFIO_DEVICE_RESET (vfio-pci revokes every
 *     buffer of the device around the reset and restores them after), and
 *     closing the device's file (its buffers, the shared one too, revoked
 *     for good: imports of it fail until the importers take the new one),
 *     opening it again and exporting a new shared buffer from it;
 *   - two exporters, exporting other pages of the same BAR through VFIO,
 *     writing and reading them through mmap, closing them;
 *   - a router, asking the kernel's explain file for the provider-client
 *     verdict, which must always be one of the three;
 *   - a decoder, turning the provider's memory decode off and on through
 *     VFIO's config region (exports revoked meanwhile);
 *   - a rebinder, unbinding the client from p2ptest and binding it again
 *     (its imports are detached, transfers refused until it is back).
 *
 * The pauses between operations and the pages used come from a seeded
 * generator (P2PTEST_SEED in the environment, logged): a failing run can
 * be repeated with the same choices. The run is bounded by the importers'
 * rounds, not by time; the counts of every operation are logged.
 *
 * A transfer or import may be refused while the buffer is revoked or the
 * client unbound (ENODEV) or reset (EBUSY), an mmap while its buffer is
 * revoked (ENODEV), and a mapped page may vanish meanwhile (SIGBUS,
 * caught); anything else fails the run. The plan
 * moves ACS bits and removes and rescans a device meanwhile, and names the
 * file it writes after its first such cycle as UNTIL-FILE: the run lasts
 * until the event, however slowly the host runs the guest. Once the
 * disruptors have stopped, the shared buffer must import. At the end
 * everything is closed and no dma-buf of physical ranges may be left, nor
 * a file descriptor, nor an IOMMU entry the client did not have before.
 * All that is one test.
 *
 *   p2ptest_stress PROVIDER-BDF BAR CLIENT-BDF ROUNDS [UNTIL-FILE]
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_pattern.h"
#include "p2ptest_vfio.h"

#define CHUNK		512	/* bytes one transfer pass moves */
#define SHARED_LEN	(2 * 4096)
#define OTHER_OFF	(64 * 1024)

/* From the command line and the environment. */
static struct p2ptest_pci_addr client;
static const char *provider_bdf, *client_bdf, *until_file;
static uint32_t bar;
static int rounds;
static uint64_t seed = 0x5eed;

/*
 * The provider through VFIO and the shared buffer exported from it. The
 * revoker closes the device and opens it again: vfio_lock is held for
 * reading while either is used (an export, a config write, an import),
 * for writing while the revoker replaces them, so that no call runs on a
 * closed file or on a number the open reused. The revoker itself, their
 * only writer, uses the device without it.
 */
static pthread_rwlock_t vfio_lock;
static int vdev = -1, shared_fd = -1;

/* What the threads share: the file, the counts. */
static int shared_ctl;
static atomic_bool done;
static atomic_int failed;
static atomic_ulong transfers, verified, refused, resets, reopens, exports, explains, imports;
static atomic_ulong import_refused, import_enodev;
static atomic_ulong decodes, rebinds, vanished;

/*
 * One generator per thread (p2ptest_rand_next()), from the run's seed and
 * the thread's number.
 */
static uint64_t thread_rand_init(int id)
{
	return seed * 0x100000001B3ULL + (uint64_t)id;
}

/* Log a call that failed other than documented: the test fails. */
static void fail(const char *who, const char *what, int err)
{
	fprintf(stderr, "# %s: %s: %s\n", who, what, p2ptest_errname(-err));
	atomic_store(&failed, 1);
}

/* Has the event the run waits for (UNTIL-FILE) happened? */
static bool until_met(void)
{
	return !until_file || !access(until_file, F_OK);
}

static void nap(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Refusals a revoke or a reset of the client may cause (-errno). */
static bool refusal(int ret)
{
	return ret == -ENODEV || ret == -EBUSY;
}

/* What importer @id writes in round @r. */
static void round_bytes(unsigned char *buf, int id, int r)
{
	int i;

	for (i = 0; i < CHUNK; i++)
		buf[i] = (unsigned char)(id * 131 + r * 7 + i);
}

/*
 * Say what came back instead of round @r's bytes @out: where the first
 * wrong byte is, how many are wrong, and whose bytes they are when they
 * are anyone's (a write that went elsewhere or nowhere leaves an earlier
 * round's; a read from nowhere gives zeros or all ones).
 */
static void describe_mismatch(const char *who, int r, const unsigned char *in,
			      const unsigned char *out)
{
	unsigned char other[CHUNK];
	int first = -1, wrong = 0, i, j, k;

	for (i = 0; i < CHUNK; i++) {
		if (in[i] == out[i])
			continue;
		if (first < 0)
			first = i;
		wrong++;
	}
	fprintf(stderr, "# %s: round %d read back other bytes: %d of %d wrong from byte %d "
		"(0x%02x, not 0x%02x)\n", who, r, wrong, CHUNK, first, in[first], out[first]);
	for (i = 0; i < CHUNK && (in[i] == 0 || in[i] == 0xff) && in[i] == in[0]; i++)
		;
	if (i == CHUNK)
		fprintf(stderr, "# %s: every byte read was 0x%02x\n", who, in[0]);
	for (j = 0; j < 2; j++) {
		for (k = 0; k <= r + 1; k++) {
			round_bytes(other, j, k);
			if (!memcmp(in, other, CHUNK))
				fprintf(stderr, "# %s: they are importer%d's of round %d\n",
					who, j, k);
		}
	}
}

/*
 * Round @r of importer @id through import @handle: the client's DMA writes
 * the importer's page of the buffer, then reads it back. 0 when every byte
 * came back, 1 when other bytes did (described), or a transfer's -errno.
 */
static int round_trip(const char *who, uint32_t handle, int id, int r)
{
	unsigned char out[CHUNK], in[CHUNK];
	uint64_t off = (uint64_t)id * 4096;
	int ret;

	round_bytes(out, id, r);
	ret = __p2ptest_transfer(shared_ctl, handle, P2PTEST_TO_BUFFER, off, out, CHUNK);
	if (ret)
		return ret;
	memset(in, 0, sizeof(in));
	ret = __p2ptest_transfer(shared_ctl, handle, P2PTEST_FROM_BUFFER, off, in, CHUNK);
	if (ret)
		return ret;
	if (!memcmp(in, out, CHUNK))
		return 0;
	describe_mismatch(who, r, in, out);
	return 1;
}

static void *importer(void *arg)
{
	int id = (int)(intptr_t)arg, r, ret;
	char who[16];

	snprintf(who, sizeof(who), "importer%d", id);
	/* ROUNDS verified rounds, however many tries; then on until UNTIL-FILE. */
	for (r = 0; !atomic_load(&failed) && (r < rounds || !until_met());) {
		struct p2ptest_import imp;

		pthread_rwlock_rdlock(&vfio_lock);
		ret = __p2ptest_import(shared_ctl, shared_fd, &client, &imp);
		pthread_rwlock_unlock(&vfio_lock);
		if (ret) {
			if (!refusal(ret))
				fail(who, "import", -ret);
			atomic_fetch_add(&import_refused, 1);
			if (ret == -ENODEV)
				atomic_fetch_add(&import_enodev, 1);
			nap(20000);
			continue;
		}
		atomic_fetch_add(&imports, 1);
		ret = round_trip(who, imp.handle, id, r);
		atomic_fetch_add(&transfers, 1);
		if (!ret) {
			atomic_fetch_add(&verified, 1);
			r++;
		} else if (ret > 0) {
			atomic_store(&failed, 1);
		} else {
			if (!refusal(ret))
				fail(who, "transfer", -ret);
			atomic_fetch_add(&refused, 1);
		}
		ret = __p2ptest_unimport(shared_ctl, imp.handle);
		if (ret)
			fail(who, "unimport", -ret);
	}
	return NULL;
}

/*
 * Wait until an importer has verified a round since @seen, or the run is
 * over. The disruptors act at most once a verified round: on fixed naps
 * alone, a guest the host starves runs its rounds slower than they come,
 * nearly every round is refused, and the run ends only when the VM's
 * timeout does. Where they strike within a round is still random.
 */
static void await_progress(unsigned long *seen)
{
	while (!atomic_load(&done) && atomic_load(&verified) == *seen)
		nap(10000);
	*seen = atomic_load(&verified);
}

/*
 * Close the provider's device file, which revokes its buffers for good,
 * open it again and export a new shared buffer: 0 or -errno. Imports of
 * the old buffer hold it until they are unimported.
 */
static int reopen_provider(void)
{
	int ret = 0, fd;

	pthread_rwlock_wrlock(&vfio_lock);
	/* Nobody else uses the file: its release runs before close() returns. */
	close(vdev);
	vdev = __vfio_open_device(provider_bdf);
	if (vdev < 0) {
		ret = vdev;
	} else {
		fd = __vfio_dma_buf_export_range(vdev, bar, 0, SHARED_LEN);
		if (fd < 0) {
			ret = fd;
		} else {
			close(shared_fd);
			shared_fd = fd;
		}
	}
	pthread_rwlock_unlock(&vfio_lock);
	return ret;
}

static void *revoker(void *arg)
{
	unsigned long seen = 0;
	bool reopen = false;
	int ret;

	(void)arg;
	while (!atomic_load(&done) && !atomic_load(&failed)) {
		await_progress(&seen);
		if (atomic_load(&done))
			break;
		if (reopen) {
			ret = reopen_provider();
			if (ret) {
				fail("revoker", "reopen the provider and export", -ret);
				break;
			}
			atomic_fetch_add(&reopens, 1);
		} else {
			/* Revoked for as long as the reset takes, then restored. */
			ret = __vfio_reset(vdev);
			if (ret) {
				fail("revoker", "VFIO_DEVICE_RESET", -ret);
				break;
			}
			atomic_fetch_add(&resets, 1);
		}
		reopen = !reopen;
		/* Usable for 400 ms at least: a transfer round is 4 edu DMAs. */
		nap(400000);
	}
	return NULL;
}

/* A page of a buffer revoked under its mapping raises SIGBUS: caught. */
static __thread sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Write a word through @p and read it back; 1 if the page vanished. */
static int poke(volatile uint32_t *p, uint32_t v)
{
	uint32_t got;

	if (sigsetjmp(bus_jmp, 1))
		return 1;
	*p = v;
	got = *p;
	if (got != v) {
		fprintf(stderr, "# exporter: a word written through mmap reads back %#010x, not %#010x\n",
			got, v);
		atomic_store(&failed, 1);
	}
	return 0;
}

static void *exporter(void *arg)
{
	int id = (int)(intptr_t)arg;
	__u64 rnd = thread_rand_init(16 + id);

	while (!atomic_load(&done) && !atomic_load(&failed)) {
		uint64_t r = p2ptest_rand_next(&rnd);
		/*
		 * Pages of its own: the other exporter writing the same word
		 * between this one's write and read would fail the check.
		 */
		uint32_t page = (uint32_t)(id * 4 + r % 4), word = (uint32_t)(r >> 8) % 1024;
		volatile uint32_t *p;
		int fd;

		pthread_rwlock_rdlock(&vfio_lock);
		fd = __vfio_dma_buf_export_range(vdev, bar, OTHER_OFF + page * 4096, 4096);
		pthread_rwlock_unlock(&vfio_lock);

		if (fd < 0) {
			fail("exporter", "export", -fd);
			break;
		}
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			/*
			 * Revoked already: exported while decode was off, or
			 * a reset or the device's close came first.
			 */
			if (errno != ENODEV)
				fail("exporter", "mmap", errno);
		} else {
			atomic_fetch_add(&vanished, poke(p + word, (uint32_t)r));
			munmap((void *)p, 4096);
		}
		close(fd);
		atomic_fetch_add(&exports, 1);
		nap(5000 + (long)(r >> 32) % 30000);
	}
	return NULL;
}

/* The provider's memory decode off for a moment, then on again. */
static void *decoder(void *arg)
{
	__u64 rnd = thread_rand_init(32);
	unsigned long seen = 0;
	int err;

	(void)arg;
	while (!atomic_load(&done) && !atomic_load(&failed)) {
		uint64_t r = p2ptest_rand_next(&rnd);

		nap(300000 + (long)(r % 700000));
		await_progress(&seen);
		if (atomic_load(&done))
			break;
		/* On again on the same open of the device. */
		pthread_rwlock_rdlock(&vfio_lock);
		err = __vfio_set_decode(vdev, false);
		if (err)
			fail("decoder", "decode off", -err);
		nap(10000 + (long)((r >> 32) % 40000));
		err = __vfio_set_decode(vdev, true);
		pthread_rwlock_unlock(&vfio_lock);
		if (err)
			fail("decoder", "decode on", -err);
		atomic_fetch_add(&decodes, 1);
	}
	return NULL;
}

/* The client unbound from p2ptest and bound again now and then. */
static void *rebinder(void *arg)
{
	__u64 rnd = thread_rand_init(48);
	unsigned long seen = 0;
	int err;

	(void)arg;
	while (!atomic_load(&done) && !atomic_load(&failed)) {
		nap(1000000 + (long)(p2ptest_rand_next(&rnd) % 2000000));
		await_progress(&seen);
		if (atomic_load(&done))
			break;
		err = p2ptest_driver_unbind("p2ptest", client_bdf);
		if (!err)
			err = p2ptest_driver_bind("p2ptest", client_bdf);
		if (err) {
			fail("rebinder", "unbind and bind the client", -err);
			break;
		}
		atomic_fetch_add(&rebinds, 1);
	}
	return NULL;
}

static void *router(void *arg)
{
	char answer[4096];
	int err;

	(void)arg;
	while (!atomic_load(&done)) {
		err = p2ptest_explain(provider_bdf, client_bdf, answer, sizeof(answer));
		if (err == -ENOENT) {
			fail("router", P2PTEST_EXPLAIN, -err);
			break;
		}
		if (err) {
			fail("router", "explain query", -err);
		} else if (!strstr(answer, "BUS_ADDR") && !strstr(answer, "THRU_HOST_BRIDGE") &&
			   !strstr(answer, "NOT_SUPPORTED")) {
			fprintf(stderr, "# router: explain gave no verdict: %.200s\n", answer);
			atomic_store(&failed, 1);
		}
		atomic_fetch_add(&explains, 1);
		nap(10000);
	}
	return NULL;
}

FIXTURE(stress) {
	int ctl;		/* the file of the import after the run */
	long ptes_before;	/* the client's IOMMU entries before the run */
	int fds_before;		/* this process's files before the run */
};

FIXTURE_SETUP(stress)
{
	pthread_rwlockattr_t attr;

	self->fds_before = p2ptest_count_fds();
	ASSERT_LE(0, self->fds_before) TH_LOG("%s", p2ptest_errname(self->fds_before));
	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
	shared_ctl = p2ptest_open();
	ASSERT_LE(0, shared_ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(shared_ctl));
	self->ptes_before = p2ptest_count_iommu_ptes(client_bdf);
	vdev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, vdev) TH_LOG("%s through VFIO: %s", provider_bdf, p2ptest_errname(vdev));
	shared_fd = __vfio_dma_buf_export_range(vdev, bar, 0, SHARED_LEN);
	ASSERT_LE(0, shared_fd) TH_LOG("export: %s", p2ptest_errname(shared_fd));
	/*
	 * Writers first: importers and exporters come back every few
	 * milliseconds, and readers first could keep the revoker out.
	 */
	ASSERT_EQ(0, pthread_rwlockattr_init(&attr));
	ASSERT_EQ(0, pthread_rwlockattr_setkind_np(&attr,
						   PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP));
	ASSERT_EQ(0, pthread_rwlock_init(&vfio_lock, &attr));
	pthread_rwlockattr_destroy(&attr);
}

/* The test closes everything itself, before it looks for leftovers. */
FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, documented, P2PTEST_TIMEOUT)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	pthread_t imp[2], rev, exp[2], rt, dec, reb;
	struct p2ptest_import last;
	long ptes;
	int bufs, fds, ret, i;

	TH_LOG("seed %#" PRIx64 " (P2PTEST_SEED=%#" PRIx64 " repeats it)", seed, seed);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&rev, NULL, revoker, NULL));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&exp[i], NULL, exporter, (void *)(intptr_t)i));
	ASSERT_EQ(0, pthread_create(&rt, NULL, router, NULL));
	ASSERT_EQ(0, pthread_create(&dec, NULL, decoder, NULL));
	ASSERT_EQ(0, pthread_create(&reb, NULL, rebinder, NULL));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&imp[i], NULL, importer, (void *)(intptr_t)i));
	for (i = 0; i < 2; i++)
		pthread_join(imp[i], NULL);
	atomic_store(&done, true);
	pthread_join(dec, NULL);
	pthread_join(reb, NULL);
	pthread_join(rev, NULL);
	/*
	 * Decode is on again, the client bound, the last reset over or the
	 * last shared buffer new, and nobody revokes any more: the shared
	 * buffer must import.
	 */
	ret = __p2ptest_import(self->ctl, shared_fd, &client, &last);
	if (!ret)
		ret = __p2ptest_unimport(self->ctl, last.handle);
	if (ret)
		fail("the end", "import the shared buffer", -ret);
	for (i = 0; i < 2; i++)
		pthread_join(exp[i], NULL);
	pthread_join(rt, NULL);
	close(shared_fd);
	close(vdev);
	close(shared_ctl);
	close(self->ctl);
	pthread_rwlock_destroy(&vfio_lock);

	TH_LOG("%lu imports (%lu refused: %lu ENODEV, %lu EBUSY), %lu transfer rounds "
	       "(%lu verified, %lu refused), "
	       "%lu VFIO resets, %lu device reopens, %lu exports with mmap (%lu pages "
	       "vanished under a revoke), %lu explains, %lu decode off/on, %lu client rebinds",
	       atomic_load(&imports), atomic_load(&import_refused), atomic_load(&import_enodev),
	       atomic_load(&import_refused) - atomic_load(&import_enodev),
	       atomic_load(&transfers), atomic_load(&verified),
	       atomic_load(&refused), atomic_load(&resets), atomic_load(&reopens),
	       atomic_load(&exports), atomic_load(&vanished), atomic_load(&explains),
	       atomic_load(&decodes), atomic_load(&rebinds));
	EXPECT_EQ(0, atomic_load(&failed)) TH_LOG("calls failed other than documented (above)");
	bufs = p2ptest_count_phys_bufs();
	EXPECT_EQ(0, bufs) TH_LOG("%d dma-buf(s) of physical ranges still alive", bufs);
	ptes = p2ptest_count_iommu_ptes(client_bdf);
	EXPECT_EQ(self->ptes_before, ptes)
		TH_LOG("%ld IOMMU entries for %s, %ld before", ptes, client_bdf, self->ptes_before);
	fds = p2ptest_count_fds();
	EXPECT_EQ(self->fds_before, fds) TH_LOG("%d files open, %d before", fds, self->fds_before);
	EXPECT_LE(2ul * rounds, atomic_load(&verified));
	/*
	 * A run that no reset, close of the device, decode flip or rebind hit
	 * proved nothing about them.
	 */
	EXPECT_LE(1ul, atomic_load(&resets));
	EXPECT_LE(1ul, atomic_load(&reopens));
	EXPECT_LE(1ul, atomic_load(&decodes));
	EXPECT_LE(1ul, atomic_load(&rebinds));
}

int main(int argc, char **argv)
{
	struct p2ptest_pci_addr provider;

	if (argc < 5 || argc > 6 || p2ptest_parse_bdf(argv[1], &provider) ||
	    p2ptest_parse_bdf(argv[3], &client) || atoi(argv[4]) < 1) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR CLIENT-BDF ROUNDS [UNTIL-FILE]\n",
			argv[0]);
		return 2;
	}
	provider_bdf = argv[1];
	bar = (uint32_t)atoi(argv[2]);
	client_bdf = argv[3];
	rounds = atoi(argv[4]);
	until_file = argc == 6 ? argv[5] : NULL;
	if (getenv("P2PTEST_SEED"))
		seed = strtoull(getenv("P2PTEST_SEED"), NULL, 0);
	return test_harness_run(argc, argv);
}
