/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uAPI test programs on the kernel's own kselftest_harness.h (Debian's
 * 6.1 copy, in build/linux-src: see the Makefile): each TEST_F() is one TAP
 * result, which the host reads (tests/vm/collect.py). What they share:
 *
 * - main(): 6.1's harness takes no options, and the main() of its
 *   TEST_HARNESS_MAIN drops the command line. These programs take their
 *   devices as arguments: each main() reads them into globals, then calls
 *   test_harness_run().
 * - Every test runs in a child process of its own, forked from main():
 *   what a test uses (/dev/p2ptest, a thread's fail-nth file, a VFIO
 *   device) is opened by its fixture's setup, in the child.
 * - Diagnostics go to stderr (TH_LOG(), or "# " lines): a test's child
 *   leaves with _exit(), which drops what stdio still holds for stdout.
 */
#ifndef P2PTEST_HARNESS_H
#define P2PTEST_HARNESS_H

#include <string.h>

#include "kselftest_harness.h"

/*
 * The timeout of a test that moves data or loops (TEST_F_TIMEOUT()). The
 * harness fails a test still running after TEST_TIMEOUT_DEFAULT, 30 s in
 * 6.1, and the guests that run these are TCG machines a busy host may
 * starve (edu alone takes 100 ms a DMA): no verdict may depend on how fast
 * they run. A day is longer than any bound of the VM around them (vmrun
 * --timeout, 3000 s by default), which is what catches a hang. Tests of a
 * few calls keep the default, thousands of times what they take; a test
 * that opens a VFIO device does not (vfio-pci resets the function on open
 * and close, up to a second each, in guest time that a starved vCPU does
 * not shorten), nor does anything that waits for a device.
 */
#define P2PTEST_TIMEOUT		(24 * 3600)

/* "success", or the name of the errno of @ret (0 or -errno): "EINVAL". */
static inline const char *p2ptest_errname(int ret)
{
	const char *name = ret ? strerrorname_np(-ret) : "success";

	return name ? name : "an unknown errno";
}

/*
 * @ret, 0 or -errno, is -@err (0: success); says both by name when not.
 * @ret is read again for the message: pass a variable, not a call.
 */
#define EXPECT_ERRNO(err, ret) \
	EXPECT_EQ(-(err), ret) \
		TH_LOG("got %s, want %s", p2ptest_errname(ret), p2ptest_errname(-(err)))
#define ASSERT_ERRNO(err, ret) \
	ASSERT_EQ(-(err), ret) \
		TH_LOG("got %s, want %s", p2ptest_errname(ret), p2ptest_errname(-(err)))

#endif /* P2PTEST_HARNESS_H */
